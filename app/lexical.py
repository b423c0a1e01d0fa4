"""BM25 over the stored passages (bm25s), persisted beside Chroma and rebuilt when stale.

Local Chroma has no lexical search, so this index lives in ``<store>/lexical``. It records
a fingerprint of the passage ids it was built from; when Chroma's passages differ (another
ingest, an interrupted run) the index is rebuilt from Chroma, which stays the source of truth.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

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


def fingerprint(ids: list[str]) -> str:
    digest = hashlib.sha1()
    for item in sorted(ids):
        digest.update(item.encode())
        digest.update(b"\n")
    return f"{len(ids)}:{digest.hexdigest()}"


class LexicalIndex:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.ids: list[str] = []
        self.fingerprint = ""
        self.generation: str | None = None  # the store's generation this index is known to match
        self._bm25 = None

    def build(self, ids: list[str], texts: list[str], save: bool = True) -> None:
        import bm25s

        self.ids = list(ids)
        self.fingerprint = fingerprint(self.ids)
        self._bm25 = None
        if ids:
            self._bm25 = bm25s.BM25()
            self._bm25.index([tokenize(t) or ["\x00"] for t in texts], show_progress=False)
        if save:
            self._save()

    def _save(self) -> None:
        if self.folder is None:
            return
        tmp = self.folder.with_name(f"{self.folder.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)  # per process: several may save one machine's server-mode cache
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"))
        (tmp / "meta.json").write_text(json.dumps({"fingerprint": self.fingerprint, "ids": self.ids}))
        old = self.folder.with_name(f"{self.folder.name}.old{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)  # the swap is a rename: readers see the old or the new index
        shutil.rmtree(old, ignore_errors=True)

    def load(self) -> bool:
        """Read the saved index; False when there is none or it cannot be read."""
        if self.folder is None or not (self.folder / "meta.json").exists():
            return False
        import bm25s

        try:
            meta = json.loads((self.folder / "meta.json").read_text())
            self._bm25 = bm25s.BM25.load(str(self.folder / "bm25")) if meta["ids"] else None
        except (OSError, ValueError, KeyError):
            return False
        self.ids, self.fingerprint = meta["ids"], meta["fingerprint"]
        return True

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed passage, in ``self.ids`` order."""
        tokens = tokenize(query)
        if self._bm25 is None or not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
