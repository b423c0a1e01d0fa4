"""Sentence splitting (sentencex) with offsets, plus the fixes German news needs."""

from __future__ import annotations

import re

import sentencex

# A German segment ending in an article or preposition plus an ordinal ("Das 3.", "am 12.")
# continues in the next segment ("Treffen folgt ..."): sentencex splits there. So does one ending
# in any ordinal when the next segment opens with a noun that follows ordinals ("im frühen 18." +
# "Jahrhundert ..."). A bare number ("lag bei 12.") still ends a sentence.
_GERMAN_ORDINAL_END = re.compile(
    r"(?:^|\s)(?:der|die|das|den|dem|des|am|im|ins|ans|aufs|zum|zur|vom|beim|ein|eine|einem|einen|einer|"
    r"sein|seine|seinem|seinen|ihr|ihre|ihrem|ihren|jedes|jeden|jedem)\s+\d{1,2}\.$",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(?:^|[\s(])\d{1,2}\.$")
_AFTER_ORDINAL = re.compile(
    r"(?:Jahrhunderts?|Jahrtausends?|Jahrzehnts?|Lebensjahr(?:es|s)?|Mal|Runde|Spieltag(?:es|s)?|"
    r"Geburtstag(?:es|s)?|Jahrestag(?:es|s)?|Kalenderwoche|Stock|Etage|Legislaturperiode|Amtszeit|"
    r"Januar|Jänner|Februar|Feber|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b"
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
_SURROGATE = re.compile("[\ud800-\udfff]")


def split_sentences(text: str, language: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, whitespace trimmed."""
    lang = language if language else "en"
    spans: list[tuple[int, int]] = []
    cursor = 0
    # sentencex takes UTF-8, which cannot hold half a surrogate pair; U+FFFD keeps the offsets
    text = _SURROGATE.sub("\ufffd", text)
    for piece in sentencex.segment(lang, text):
        found = text.find(piece, cursor)
        if found < 0:  # sentencex returns slices of the input; guard anyway
            found = cursor
        start, end = found, found + len(piece)
        cursor = end
        stripped_start = start + (len(piece) - len(piece.lstrip()))
        stripped_end = end - (len(piece) - len(piece.rstrip()))
        if stripped_end <= stripped_start:
            continue
        if lang == "de" and spans:
            before = text[spans[-1][0] : spans[-1][1]]
            if _continues_ordinal(before, text[stripped_start:stripped_end]):
                spans[-1] = (spans[-1][0], stripped_end)
                continue
        spans.append((stripped_start, stripped_end))
    return spans


def _continues_ordinal(before: str, segment: str) -> bool:
    """Whether ``segment`` continues the German sentence ``before``, cut after an ordinal."""
    if _GERMAN_ORDINAL_END.search(before):
        return True
    return bool(_ORDINAL.search(before) and _AFTER_ORDINAL.match(segment))


def paragraphs(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Offsets of the non-blank paragraphs (lines or blank-line blocks) from ``start`` on."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _PARAGRAPH_BREAK.finditer(text, start):
        if text[cursor : match.start()].strip():
            spans.append((cursor, match.start()))
        cursor = match.end()
    if text[cursor:].strip():
        spans.append((cursor, len(text)))
    return spans
