"""Names a question asks about that no stored passage mentions.

A question about "Oleg Fomenko" over a store where that name never occurs cannot be answered
from it, however close the nearest sentences score (MultiHop-RAG's null queries score as high as
answerable ones). A name is a run of capitalised words ("Craig Revel Horwood", "Secretary of
Homeland Security"), without outlet names; it is covered when one passage (with its article's
title and outlet) holds all its words, looked up in the BM25 index's postings.

Only English questions over mostly English passages are checked (docs/experiments.md): German
capitalises every noun; Chinese and Arabic have no capitals; Russian declines names ("Кубракова",
"Кубраков"); Spanish questions over Spanish reports were refused for names spelt otherwise in the
report ("Maiziere", "Maizière") and for capitalised titles ("Primer Ministro"); and across
languages a name is often spelt differently ("Cologne", "Köln").
"""

from __future__ import annotations

import re

from app.store.lexical import LexicalIndex
from app.text.analysis import tokenize
from app.text.language import question_language
from app.types import Hit

# Capitalised words, with "of", "de", "van", ... between them ("Secretary of Homeland Security").
_UPPER = "".join(sorted({chr(c) for c in range(0x41, 0x250) if chr(c).isupper()}))  # Latin capitals
_NAME = re.compile(rf"\b[{_UPPER}][\w’'-]*(?:\s+(?:(?:of|de|del|la|van|von|der|al|da|do|dos)\s+)?[{_UPPER}][\w’'-]*)*")
_SENTENCE_START = re.compile(r"(?:^[¿¡]?|[.?!:]\s+[¿¡]?|[\"“‘«(]\s*)$")
CHECKED_LANGUAGES = ("en",)
# Words that open questions without being names ("Considering the reports by ..."); question words
# and other stop words are recognised by the tokenizer dropping them.
_OPENERS = frozenset("Considering Based According Given Following After Before Between During Since Regarding "
                     "Among Apart Besides Despite Compared Tell Describe Explain Summarize Summarise List Name".split())


def uncovered_names(question: str, index: LexicalIndex, outlets: list[str], language: str = "en") -> list[str]:
    """Names in the question (in ``language``) whose words no stored passage holds together, in order."""
    outlet_words = {word.lower() for outlet in outlets for word in re.findall(r"\w+", outlet)}
    found: list[str] = []
    for match in _NAME.finditer(question):
        words = re.findall(r"[\w’'-]+", re.sub(r"[’']s\b", "", match.group(0)))
        if _SENTENCE_START.search(question[: match.start()]) and (
                len(words) == 1 or words[0] in _OPENERS or not tokenize(words[0], language)):
            words = words[1:]  # "Which", "Considering": capitalised only because a sentence starts
        words = [w for w in words if w.lower() not in outlet_words]
        tokens = list(dict.fromkeys(token for word in words for token in tokenize(word, language)))
        if tokens and index.passages_with_all(tokens) == 0:
            name = " ".join(words)
            if name not in found:
                found.append(name)
    return found


def checked(question: str, hits: list[Hit], index: LexicalIndex) -> str:
    """The question's language when the rule applies ("" when not): the language is a checked
    one, and so are at least half of the passages retrieved for it (a store that answers it mostly
    in another language may spell its names otherwise)."""
    language = question_language(question, [*index.languages, "en"])
    if language not in CHECKED_LANGUAGES:
        return ""
    positions = [index.position(hit.passage_id) for hit in hits]
    same = sum(1 for p in positions if p is not None and index.catalogue.value("language", p) == language)
    return language if 2 * same >= len(positions) else ""
