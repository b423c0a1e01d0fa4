"""Words for lexical matching, each text analysed in its own language.

Used by the BM25 index, the question planner and the answer-side word overlap alike, so that a
passage and a question meet on the same terms: lower-cased, Arabic normalised, stop words of the
text's language dropped, stemmed by that language's Snowball stemmer; Chinese and Japanese runs
become overlapping character bigrams (CJK text has no spaces between words). A question is
analysed in its own language and in the languages of the passages it is matched against (names
and numbers meet across languages; see DEVELOPERS.md, "Languages").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from app.text.nouns import compound_head

# ISO 639-1 code -> PyStemmer's Snowball algorithm.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "eo": "esperanto", "es": "spanish", "et": "estonian", "eu": "basque",
    "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali",
    "nl": "dutch", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
DEFAULT = "en"  # a text of unknown language is analysed as English, the archive's commonest

# Question words, which every question carries and passages rarely do (bm25s' lists lack them).
_QUESTION_WORDS = {
    "en": "which what who whom whose when where why how does did do much many",
    "de": "wer wen wem wessen wie was wo wann welche welcher welches welchen welchem warum wieso weshalb wieviel"
          " viel viele vielen wievielte wievielten",
    "ru": "кто кого кому кем что чего чем где когда почему зачем как какой какая какое какие каких каком "
          "какого какому сколько чей чья чье чьи откуда куда",
    "es": "qué quién quiénes dónde cuándo cómo cuál cuáles cuánto cuánta cuántos cuántas",
    "fr": "qui que quoi où quand comment pourquoi combien quel quelle quels quelles",
    "it": "chi che cosa dove quando come perché quanto quanti quale quali",
    "pt": "quem que onde quando como porque quanto quantos qual quais",
}
# Arabic function and question words, in the normalised spelling (_normalise_arabic).
_ARABIC_STOP = (
    "من في على الى عن ان او ما هذا هذه ذلك تلك التي الذي الذين كان كانت مع قد لا لم لن ثم بين كل بعد "
    "قبل حتى عند هو هي هم انه انها اي او و ف ب ل ماذا متى اين كيف لماذا كم هل"
)
# Chinese question words, cut out before the bigrams are made (they would pair with their neighbours).
_CHINESE_QUESTION = re.compile("什么时候|为什么|什么|怎么样|怎么|怎样|多少|哪里|哪些|哪个|哪|谁|吗|呢")

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana and Han ideographs
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+")
_HAS_CJK = re.compile(f"[{_CJK}]")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_HAS_ARABIC = re.compile("[\u0600-\u06ff]")


def base_language(code: str) -> str:
    """``"de-AT"`` -> ``"de"``; ``""`` stays unknown."""
    return (code or "").strip().lower().replace("_", "-").split("-", 1)[0]


@lru_cache(maxsize=64)
def _stemmer(language: str):
    import Stemmer

    algorithm = SNOWBALL.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


@lru_cache(maxsize=64)
def stopwords(language: str) -> frozenset[str]:
    """Stop and question words of ``language`` (English for unknown languages)."""
    from bm25s import stopwords as lists

    listed = {
        "en": lists.STOPWORDS_EN, "de": lists.STOPWORDS_GERMAN, "ru": lists.STOPWORDS_RUSSIAN,
        "es": lists.STOPWORDS_SPANISH, "fr": lists.STOPWORDS_FRENCH, "it": lists.STOPWORDS_ITALIAN,
        "pt": lists.STOPWORDS_PORTUGUESE, "nl": lists.STOPWORDS_DUTCH, "da": lists.STOPWORDS_DANISH,
        "no": lists.STOPWORDS_NORWEGIAN, "nb": lists.STOPWORDS_NORWEGIAN, "nn": lists.STOPWORDS_NORWEGIAN,
        "sv": lists.STOPWORDS_SWEDISH, "tr": lists.STOPWORDS_TURKISH, "ar": _ARABIC_STOP.split(),
    }
    language = language if language in listed or language in SNOWBALL or language in ("zh", "ja") else DEFAULT
    words = set(listed.get(language, ())) | set(_QUESTION_WORDS.get(language, "").split())
    return frozenset(w.replace("ё", "е") for w in words)


def _normalise_arabic(text: str) -> str:
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def _words(text: str, language: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` (lower-cased, normalised, not yet stemmed or filtered) and its CJK
    bigrams."""
    text = text.lower()
    if _HAS_ARABIC.search(text):  # the Arabic stemmer folds letter forms itself, and needs ة as a suffix
        text = _ARABIC_MARKS.sub("", text) if language == "ar" else _normalise_arabic(text)
    if language in ("ru", "be", "uk"):
        text = text.replace("ё", "е")
    if not _HAS_CJK.search(text):
        return _TOKEN.findall(text), []
    if language in ("zh", "ja"):
        text = _CHINESE_QUESTION.sub(" ", text)
    words, cjk = [], []
    for token in _TOKEN.findall(text):
        if _HAS_CJK.match(token):
            cjk.extend(_bigrams(token))
        else:
            words.append(token)
    return words, cjk


def tokenize(text: str, language: str = "", parts: bool = False) -> list[str]:
    """The terms of ``text`` read as ``language`` (ISO 639-1; ``""`` when unknown): word tokens
    without stop words, stemmed; numbers ("326") kept as they are; CJK runs as bigrams. With
    ``parts``, a German compound adds its last part ("Peitschenhiebe": also "hieb")."""
    language = base_language(language) or DEFAULT
    words, cjk = _words(text, language)
    stop = stopwords(language)
    words = [word for word in words if word not in stop]
    if parts and language == "de":
        words += [head for head in map(compound_head, words) if head]
    stemmer = _stemmer(language)
    return (stemmer.stemWords(words) if stemmer else words) + cjk


def term_sets(question: str, language: str, others: Iterable[str] = ()) -> list[frozenset[str]]:
    """Per content word of the question (read in its ``language``): the word's terms in that
    language and in each of ``others``, so that a question's word matches a sentence in any of
    them ("Bylen" stems otherwise in German) while each word counts once."""
    own = base_language(language) or DEFAULT
    languages = [own, *dict.fromkeys(base_language(code) or DEFAULT for code in others if code)]
    words, cjk = _words(question, own)
    stop = stopwords(own)
    sets = []
    for word in dict.fromkeys(w for w in words if w not in stop):
        forms = [word, compound_head(word)] if "de" in languages else [word]  # "Rekordzeit" meets "Zeit"
        stems = {(_stemmer(lang).stemWord(form) if _stemmer(lang) else form) for lang in languages for form in forms if form}
        sets.append(frozenset(stems))
    return sets + [frozenset((gram,)) for gram in dict.fromkeys(cjk)]


def question_terms(question: str, languages: Iterable[str]) -> list[str]:
    """The question's terms analysed in each of ``languages`` (its own and those of the passages
    it is matched against), without repeats, in order of first appearance."""
    terms: dict[str, None] = {}
    for language in dict.fromkeys(base_language(code) or DEFAULT for code in languages):
        terms.update(dict.fromkeys(tokenize(question, language)))
    return list(terms)
