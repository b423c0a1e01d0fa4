"""Language identification: of articles that do not say their language, and of questions.

py3langid reads text by its character n-grams. Two things it gets wrong on news are fixed here:
Cyrillic languages are told apart by the letters each one alone uses (a short Russian text
classified as Bulgarian), and text without spaces (Chinese, Japanese) is told by its script.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_KANA = re.compile("[\u3040-\u30ff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# py3langid's codes for spoken Arabic varieties: news in Arabic script is tagged (and stemmed) as "ar"
_DIALECT = {"ary": "ar", "arz": "ar", "acm": "ar", "apc": "ar"}
# Languages a few words of a question in the language after the arrow are often read as
_NEIGHBOUR = {**_DIALECT, "ext": "es", "an": "es", "pcm": "en", "sco": "en", "gsw": "de", "bar": "de", "nds": "de"}


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _by_script(sample: str) -> str:
    """The language a script alone tells ("" when it does not)."""
    if _KANA.search(sample):
        return "ja"
    if _HANGUL.search(sample):
        return "ko"
    letters = sum(ch.isalpha() for ch in sample) or 1
    if len(_HAN.findall(sample)) / letters > 0.3:
        return "zh"
    return ""


# Letters each Cyrillic language never writes: a text is in the language whose excluded letters
# it holds fewest of (a Russian report quoting "Київ" holds two of Russian's, dozens of the rest).
_NEVER = {
    "ru": "іїєґўјљњ", "be": "ищъїєґјљњ", "uk": "ыэъёўјљњ", "bg": "ыэёіїєґўјљњ",
    "sr": "ыэщъёіїєґўйя", "mk": "ыэщъёіїєґўйя",
}


def _cyrillic(sample: str, ranked: list[str]) -> str:
    """Which Cyrillic language ``sample`` is in: the fewest letters its language never writes,
    ties going to py3langid's order ``ranked``."""
    text = sample.lower()
    order = {code: i for i, code in enumerate(ranked)}
    options = [code for code in _NEVER if code in order] or list(_NEVER)
    return min(options, key=lambda code: (sum(text.count(ch) for ch in _NEVER[code]), order.get(code, len(order))))


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("" for text too short to tell)."""
    sample = text[:2000]
    by_script = _by_script(sample)
    if by_script:
        return by_script
    if len(sample.split()) < 3:
        return ""
    ranked = [_DIALECT.get(code, code) for code, _score in _identifier().rank(sample)]
    if ranked[0] in _NEVER and _CYRILLIC.search(sample):
        return _cyrillic(sample, ranked)
    return ranked[0]


PLAUSIBLE = 0.05  # a candidate language at least this share as likely as py3langid's first is preferred


def question_language(question: str, candidates: Iterable[str] = ()) -> str:
    """The language of a question, preferring ``candidates`` (the store's languages and English)
    when py3langid finds one of them plausible: a question is a few words, and unrestricted it is
    often read as a neighbouring language (Russian as Bulgarian, Spanish as Extremaduran)."""
    by_script = _by_script(question)
    if by_script or not question.strip():
        return by_script
    ranked = [(_NEIGHBOUR.get(code, code), float(p)) for code, p in _identifier().rank(question)]
    allowed = {c for c in candidates if c}
    top = ranked[0][1]
    likely = [code for code, p in ranked if code in allowed and p >= PLAUSIBLE * top] or [ranked[0][0]]
    if likely[0] in _NEVER and _CYRILLIC.search(question):
        return _cyrillic(question, likely)
    return likely[0]


def script(text: str, sample: int = 200) -> str:
    """The script most letters of ``text`` (its first ``sample`` characters) are written in, as
    Unicode names it: "LATIN", "CYRILLIC", "ARABIC", "CJK" ("" for no letters)."""
    counts = Counter(unicodedata.name(ch, " ").split(" ")[0] for ch in text[:sample] if ch.isalpha())
    return counts.most_common(1)[0][0] if counts else ""
