"""Which typed phrases of a sentence answer a question (``spans.py`` finds them, ``asked.py`` reads
what is asked): of the kind asked for, not already in the question, and none of the phrases that
look like an answer and are not (the place a report was filed from, an age, a number closing a
name, a date coarser than asked). ``bound`` says when the sentence ties a phrase to what is asked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.answering.spans import (
    MEASURES,
    TIME_WORDS,
    UNITS,
    Kind,
    Span,
    alternation,
    find,
    names,
    since_phrases,
)
from app.text.analysis import base_language, stopwords, tokenize
from app.text.dates import MONTHS, is_place

if TYPE_CHECKING:
    from app.answering.asked import Asked

# A document named by its number: "Erlass ... Nr. 326", "Executive Order 14110", "Law No. 5/2020"
_DOCUMENT = re.compile(
    r"\b(?:decrees?|executive orders?|ordinances?|resolutions?|laws?|acts?|bills?|regulations?|directives?"
    r"|erlass(?:es|e)?|dekrete?s?|verordnung(?:en)?|gesetz(?:es|e)?|beschluss(?:es)?|beschlüsse"
    r"|resolution(?:en)?|richtlinien?|ukas(?:es)?)\b[^.;]{0,80}?(?:\b(?:nr|no|nos|number|nummer)\b\.?\s*|#\s*)?\d+(?:/\d+)?\b",
    re.IGNORECASE)
# Which kinds of phrase answer which kind of question
ACCEPTS = {
    Kind.COUNT: (Kind.NUMBER, Kind.PERCENT),  # "how many voters": "52 percent"
    Kind.NUMBER: (Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.DURATION),
    Kind.MONEY: (Kind.MONEY,),
    Kind.PERCENT: (Kind.PERCENT,),
    Kind.DURATION: (Kind.DURATION, Kind.DATE),
    Kind.DATE: (Kind.DATE,),
    Kind.PERSON: (Kind.NAME,),
    Kind.ORGANISATION: (Kind.NAME,),
    Kind.PLACE: (Kind.NAME,),
    Kind.NAME: (Kind.NAME,),
}


def _word_before(sentence: str, start: int) -> str:
    """The word before offset ``start``, lower-cased ("" at the start of the sentence)."""
    before = re.findall(r"(\w+)\W*$", sentence[:start])
    return before[0].lower() if before else ""


def _words_of(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def answers(asked: Asked, sentence: str, language: str, question: str) -> list[Span]:
    """The phrases of ``sentence`` that could answer: of the kind asked for, and not already in
    the question ("Who replaced Volkan Bozkır?" is not answered by "Volkan Bozkır")."""
    if asked.kind is None:
        return []
    if asked.kind is Kind.DOCUMENT:
        found = [Span(m.start(), m.end(), Kind.DOCUMENT, m.group(0)) for m in _DOCUMENT.finditer(sentence)]
        return found if len(found) == 1 else []  # with two numbered documents, which one answers is not known
    accepted = ACCEPTS[asked.kind] + ((Kind.DURATION,) if asked.age else ())  # "38 años"
    opening = _dateline_end(sentence)  # "Omaha - ": where the report was filed answers nothing asked
    found = find(sentence, language)
    if asked.kind in (Kind.COUNT, Kind.NUMBER):  # "2000 invitados" counts guests
        found = [Span(s.start, s.end, Kind.NUMBER, s.text) if _counting_year(s, sentence, language) else s for s in found]
    spans = [s for s in found if s.kind in accepted and s.start >= opening
             and (asked.age or not _is_age(s, sentence)) and not _labels(s, sentence)]
    if asked.kind is Kind.DATE and asked.precision:
        spans = [s for s in spans if _PRECISE[asked.precision].search(s.text)]
    if asked.kind is Kind.DURATION:
        since = since_phrases(sentence)
        spans = since + [s for s in spans if not any(p.start <= s.start < p.end for p in since) and (
            s.kind is Kind.DURATION or _CLOCK.fullmatch(s.text) or asked.preposition in _SINCE_WORDS
            or _UNTIL.search(sentence[: s.start]))]
    asked_words = _words_of(question)
    # a name sharing a word with a name in the question is that name ("Iwan Kubrakow" for "Kubrakow");
    # the class the question asks about is not one ("Welche Bärin": "die Bärin Daniza")
    named = ({w for n in names(question, "") for w in _words_of(n.text)} - _words_of(asked.noun)) if asked.names else set()
    spans = [s for s in spans if not _words_of(s.text) <= asked_words and not _words_of(s.text) & named]
    if asked.kind is Kind.PERSON:  # news names a person in full ("Carlos Samour"); one word is more often a place
        spans = [s for s in spans if " " in s.text] or spans
    return spans


# A place and dash that open a report ("Omaha - ", "Augsburg/London – ", "Wien (APA) – ")
_OPENING_PLACE = re.compile(r"^\s*(?P<place>[^\W\d_][\w.'’/ -]{0,40}?)\s*(?:\([^()]{1,40}\)\s*)?[-–—]+\s")
# What a date must hold to be as precise as the question asks: a day, a month, a year
_PRECISE = {
    "day": re.compile(r"(?<![\d:])(?:[12]?\d|3[01])(?![\d:]|\s*(?:Uhr|h\b|a\.m|p\.m))|[日号]"),
    "month": re.compile(rf"(?i:{alternation(m for m in MONTHS if len(m) > 2)})|月"),
    "year": re.compile(r"\d{4}"),
}


_MEASURED = {name: re.compile(rf"(?:\d|\s)(?:{units})$", re.I) for name, units in {"": MEASURES, **UNITS}.items()}


def measured(span: Span, what: str = "") -> bool:
    """Whether the phrase is a measure ("3.6 centimeters", "6nm"), of ``what`` when given ("length")."""
    return bool(_MEASURED[what].search(span.text))


# Words before a year: "in 2000", "seit 2000", "im Jahr 2000"; without one, "2000 invitados" counts
_BEFORE_YEAR = {"in", "im", "seit", "since", "until", "till", "bis", "von", "vom", "from", "to", "by", "ab", "of", "en",
                "desde", "hasta", "de", "del", "в", "с", "до", "к", "году", "year", "jahr", "año", "في", "عام", "منذ"}


def _counting_year(span: Span, sentence: str, language: str) -> bool:
    """Whether a year-like number counts the noun after it ("2000 invitados", "2000 ضيف"), not a
    year opening a clause ("2016 sollten", "in 2000 people")."""
    if span.kind is not Kind.DATE or not re.fullmatch(r"\d{4}", span.text):
        return False
    after = re.match(r"\s+([^\W\d_]+)", sentence[span.end :])
    if not after or _word_before(sentence, span.start) in _BEFORE_YEAR or after.group(1).lower() in stopwords(language):
        return False
    return not (base_language(language) == "de" and after.group(1)[0].islower())  # German nouns are capitalised


# A date answers "how long" as the start or the end of the time: "since 2006", "bis ins 19. Jahrhundert"
_SINCE_WORDS = {"since", "seit", "с", "desde"}
_UNTIL = re.compile(r"(?<!\w)(?:until|till|through|bis(?: \w+){0,2}(?: ins?| zum| zur)?|до|hasta)\s+$", re.I)
_CLOCK = re.compile(r"\d{1,2}(?::\d{2}){1,2}")  # "3:08" left in a game, "2:05:33" for a marathon
# A number closing a name, after a capitalised word: "Steam Deck 2", "Half-Life 2", "Windows 10"
_DESIGNATORS = {"nummer", "nr", "no", "number", "nº", "№", "номер"}
_NAMED_BEFORE = re.compile(r"(?<![.!?:;]\s)(?<!^)\b[A-ZÄÖÜ][\w-]*\s$")


def _labels(span: Span, sentence: str) -> bool:
    """Whether a bare number closes a name ("Steam Deck 2.", "Half-Life 2 bekannten") rather than
    counting what follows it ("braucht Stenzel 50 Unterstützungserklärungen", "Nummer 65")."""
    if span.kind is not Kind.NUMBER or not re.fullmatch(r"\d+", span.text):
        return False
    before = _NAMED_BEFORE.search(sentence[: span.start])
    word = before.group(0).strip().lower().rstrip(".") if before else ""
    after = sentence[span.end :].lstrip()
    return (bool(before) and word not in MONTHS and word not in TIME_WORDS and word not in _DESIGNATORS
            and not after[:1].isupper() and not after[:1].isdigit())


def _dateline_end(sentence: str) -> int:
    """Where the dateline that opens ``sentence`` ends (0 when it has none)."""
    match = _OPENING_PLACE.match(sentence)
    return match.end() if match and is_place(match["place"].replace("/", " ")) else 0


# An age: "der 32-Jährige", "a 3-year-old", "32-летний", "3 years old"
_AGE_AFTER = re.compile(r"-?(?:jährig|year-old|years? old|летн|годовал)", re.I)


def _is_age(span: Span, sentence: str) -> bool:
    """Whether the number is someone's age, which answers only a question asking for one."""
    return span.kind in _QUANTITIES and bool(_AGE_AFTER.match(sentence, span.end))


_YEARS = re.compile(r"(?<![\d.,])(?:1[89]\d\d|20\d\d)(?![\d.,]\d)")  # the years news speaks of


def other_year(sentence: str, question: str) -> bool:
    """Whether the sentence names only years other than those the question names (a sentence on
    "2017" does not answer a question on "2018")."""
    asked = set(_YEARS.findall(question))
    said = set(_YEARS.findall(sentence))
    return bool(asked and said and not asked & said)


_QUANTITIES = (Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.DURATION)
_LOCATIVE = {"in", "im", "aus", "nach", "bei", "at", "from", "near", "to", "в", "во", "из", "под", "en", "desde", "de"}


def bound(span: Span, sentence: str, asked: Asked, terms: list[frozenset[str]], language: str) -> bool:
    """Whether the sentence ties ``span`` to what is asked: a number followed by the thing the
    question counts ("50 Hiebe" for "wie viele Peitschenhiebe"), the question's preposition before
    it ("um 40 Minuten" for "um wie viel"), a place after a locative preposition ("in Barquisimeto")."""
    after = re.match(r"\W*(\w+)", sentence[span.end :])
    previous = _word_before(sentence, span.start)
    if asked.preposition and previous == asked.preposition:
        return True
    if asked.kind is Kind.PLACE:
        return previous in _LOCATIVE
    if span.kind in _QUANTITIES or asked.kind is Kind.COUNT:
        unit = set(tokenize(after.group(1), language, parts=True)) if after else set()
        return any(unit & wanted for wanted in terms)
    return False
