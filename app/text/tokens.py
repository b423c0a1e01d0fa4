"""Words for lexical matching: lower-cased, stop words dropped, stemmed (Snowball, English).
Used by the BM25 index, the question planner and the answer-side word overlap alike."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

    # bm25s' English list lacks the question words, which every question carries.
    questions = "which what who whom whose when where why how does did do much many wer wie was wo wann welche welcher welches warum".split()
    return frozenset(STOPWORDS_EN) | frozenset(STOPWORDS_GERMAN) | frozenset(questions)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stop words, stemmed; numbers ("326") kept as they are."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _stopwords()]
    return _stemmer().stemWords(words)
