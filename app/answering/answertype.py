"""The kind of thing a question asks for (its lexical answer type), and whether a sentence holds one.

Factoid QA systems read the answer type off the question's wording ("how many" wants a number,
"which decree" wants a named document) and prefer candidate sentences holding something of that
type. Numbers are read in English, German, Russian, Spanish, Arabic and Chinese, digits or words
("шестикратный", "ستة"); documents in English and German, so an English "which decree" question finds
"Erlass ... Nr. 326" in a German report even though no bundled embedding links "decree" to
"Erlass". A date type ("when") was tried and dropped: on XQuAD dev its bonus moved 4 of 53 English
"when" questions to a wrong sentence that held some other year.
"""

from __future__ import annotations

import re
from enum import Enum


class AnswerType(str, Enum):
    NUMBER = "number"
    DOCUMENT = "document"


_DOC_NOUNS = (
    r"decrees?|executive orders?|ordinances?|resolutions?|laws?|acts?|bills?|regulations?|directives?"
    r"|erlass(?:es|e)?|dekrete?s?|verordnung(?:en)?|gesetz(?:es|e)?|beschluss(?:es)?|beschlüsse"
    r"|resolution(?:en)?|richtlinien?|ukas(?:es)?"
)

_QUESTION = {
    AnswerType.NUMBER: re.compile(
        r"\b(how (many|much|old|long|far)|what (percentage|share|number|amount)"
        r"|wie (viele?|alt|lange|weit|hoch)|wieviele?|сколько|cu[aá]nt[oa]s?)\b|كم\s|多少|几", re.IGNORECASE),
    AnswerType.DOCUMENT: re.compile(
        rf"\b(which|what|welche[rsmn]?|was für)\s+(\w+\s+)?({_DOC_NOUNS})\b", re.IGNORECASE),
}

_SENTENCE = {
    AnswerType.NUMBER: re.compile(
        r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?"
        r"|billions?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|tausend|million"
        r"|milliarde|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|cien|cientos?|mil|mill[oó]n|millones)\b"
        # Russian numerals, and the forms compounds open with ("шестикратный", "двухэтажный")
        r"|(?<!\w)(два|две|двух|три|трех|трёх|четыре|четырех|четырёх|пять|пяти|шесть|шести|семь|восемь|восьми"
        r"|девять|девяти|десять|десяти|сто|сорок|тысяч[аиу]?|миллион(?:а|ов)?|миллиард(?:а|ов)?)(?!\w)"
        r"|(?<!\w)(двух|трех|трёх|четырех|четырёх|пяти|шести|восьми|девяти|десяти)(?=\w)"
        r"|(?<!\w)[وبل]?(اثنان|اثنين|اثنتان|ثلاثة|ثلاث|أربعة|أربع|اربعة|خمسة|خمس|ستة|ست|سبعة|سبع|ثمانية|ثماني"
        r"|تسعة|تسع|عشرة|عشر|عشرون|عشرين|مائة|مئة|ألف|الف|آلاف|مليون|ملايين|مليار)(?!\w)"
        # Chinese numerals other than a lone 一, which mostly means "a" or forms words (一些, 统一)
        r"|一?[二两三四五六七八九十百千万亿]", re.IGNORECASE),
    # a document named by its number: "Erlass ... Nr. 326", "Executive Order 14110", "Law No. 5/2020"
    AnswerType.DOCUMENT: re.compile(
        rf"\b({_DOC_NOUNS})\b[^.;]{{0,80}}?(\b(nr|no|nos|number|nummer)\b\.?\s*|#\s*)?\d+(/\d+)?\b",
        re.IGNORECASE),
}


def answer_type(question: str) -> AnswerType | None:
    """The answer type the question asks for, or None when its wording does not say."""
    for kind in AnswerType:
        if _QUESTION[kind].search(question):
            return kind
    return None


def holds(kind: AnswerType, sentence: str) -> bool:
    """Whether the sentence contains something of that type."""
    return bool(_SENTENCE[kind].search(sentence))


def answer_span(kind: AnswerType | None, sentence: str) -> tuple[int, int] | None:
    """Offsets of the phrase that answers a typed question ("Erlass ... Nr. 326"), when the
    sentence holds exactly one such phrase (with two numbers, which one answers is not known)."""
    found = list(_SENTENCE[kind].finditer(sentence)) if kind else []
    return found[0].span() if len(found) == 1 else None
