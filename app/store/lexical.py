"""BM25 over the stored passages and over their sentences (bm25s), persisted beside Chroma and
rebuilt when stale.

Local Chroma has no lexical search, so this index lives in ``<store>/lexical``. It records
a fingerprint of the passage ids it was built from; when Chroma's passages differ (another
ingest, an interrupted run) the index is rebuilt from Chroma, which stays the source of truth.

The sentence index scores a passage by its best sentence: a question's clause usually paraphrases
one sentence, and a whole passage's BM25 dilutes that match with the passage's other words.

Each passage and sentence is analysed in its article's language (``app.text.analysis``); a
question's terms are its own language's and those of the stored languages (``terms``).

Beside BM25 it keeps each passage's filter fields (outlet, language, category, publish time) as
arrays in the same order, so that a filter is a boolean mask here and never a filtered Chroma
query: those cost 0.5-3.5 s each on a store of 800k sentences, against 18 ms unfiltered.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.store.catalogue import Catalogue
from app.text.analysis import question_terms, tokenize

LAYOUT = 3  # what the saved index holds (Maintenance._build_lexical); an index saved under another is rebuilt

def fingerprint(ids: list[str]) -> str:
    digest = hashlib.sha1()
    for item in sorted(ids):
        digest.update(item.encode())
        digest.update(b"\n")
    return f"{len(ids)}:{digest.hexdigest()}"


BOILERPLATE_STORIES = 4  # a sentence found word for word in this many stories is boilerplate (docs/experiments.md)


def boilerplate_share(owners: Sequence[int], texts: Sequence[str], stories: Sequence[str], size: int) -> np.ndarray:
    """Per passage (``size`` of them), the share of its sentence text, in characters, that is
    boilerplate: sentences that recur word for word in ``BOILERPLATE_STORIES`` or more stories
    (sign-up prompts, site notices, standing background lines). ``owners[i]`` is sentence i's
    passage and ``stories[i]`` its story (syndicated copies of one report count once)."""
    normal = [" ".join(text.lower().split()) for text in texts]
    seen: dict[str, set[str]] = {}
    for text, story in zip(normal, stories):
        seen.setdefault(text, set()).add(story)
    total = np.zeros(size, np.float64)
    shared = np.zeros(size, np.float64)
    for owner, text in zip(owners, normal):
        total[owner] += len(text)
        if len(seen[text]) >= BOILERPLATE_STORIES:
            shared[owner] += len(text)
    return (shared / np.maximum(total, 1.0)).astype(np.float32)


class LexicalIndex:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.ids: list[str] = []
        self.fingerprint = ""
        self.generation: str | None = None  # the store's generation this index is known to match
        self.catalogue = Catalogue.from_metadata([])
        self._bm25 = None
        self._sentence_bm25 = None
        self._owner = np.zeros(0, np.int64)  # per indexed sentence: its passage's position in ids
        self.boilerplate = np.zeros(0, np.float32)  # per passage: share of boilerplate sentences
        self._positions: dict[str, int] | None = None

    def position(self, passage_id: str) -> int | None:
        """Where a passage is in ``ids`` (and in ``scores()`` and the catalogue)."""
        if self._positions is None:
            self._positions = {pid: i for i, pid in enumerate(self.ids)}
        return self._positions.get(passage_id)

    def build(self, ids: list[str], texts: list[str], metas: list[dict] | None = None, save: bool = True,
              sentences: list[tuple[int, str]] | None = None, boilerplate: np.ndarray | None = None) -> None:
        """Index passages ``ids`` (BM25 over ``texts``) and ``sentences``: (position of the
        passage in ``ids``, sentence text) pairs. ``boilerplate``: each passage's boilerplate
        share (``boilerplate_share``), kept beside the index."""
        import bm25s

        self.ids = list(ids)
        self.fingerprint = fingerprint(self.ids)
        self.catalogue = Catalogue.from_metadata(metas if metas is not None else [{}] * len(self.ids))
        self._positions = None
        self._bm25 = self._sentence_bm25 = None
        self._owner = np.fromiter((owner for owner, _ in sentences or ()), np.int64)
        self.boilerplate = np.zeros(len(self.ids), np.float32) if boilerplate is None else np.asarray(boilerplate, np.float32)
        if len(self.boilerplate) != len(self.ids):
            raise ValueError("the boilerplate shares do not match the indexed passages")
        languages = [self.catalogue.value("language", i) for i in range(len(self.ids))]
        if ids:
            self._bm25 = bm25s.BM25()
            self._bm25.index([tokenize(t, lang) or ["\x00"] for t, lang in zip(texts, languages)], show_progress=False)
        if sentences:
            if self._owner.min() < 0 or self._owner.max() >= len(self.ids):
                raise ValueError("a sentence's passage position is outside the indexed passages")
            self._sentence_bm25 = bm25s.BM25()
            self._sentence_bm25.index([tokenize(text, languages[owner]) or ["\x00"] for owner, text in sentences],
                                      show_progress=False)
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
        if self._sentence_bm25 is not None:
            self._sentence_bm25.save(str(tmp / "sentence_bm25"))
        np.save(tmp / "sentence_owner.npy", self._owner)
        np.save(tmp / "boilerplate.npy", self.boilerplate)
        self.catalogue.save(tmp)
        (tmp / "meta.json").write_text(json.dumps({"fingerprint": self.fingerprint, "ids": self.ids, "layout": LAYOUT}))
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
            if meta.get("layout", 1) != LAYOUT:
                raise ValueError("the saved index holds texts laid out another way")
            self._bm25 = bm25s.BM25.load(str(self.folder / "bm25")) if meta["ids"] else None
            catalogue = Catalogue.load(self.folder, len(meta["ids"]))  # an index saved before it had one: rebuilt
            owner = np.load(self.folder / "sentence_owner.npy")  # likewise one saved before sentences
            sentence_bm25 = bm25s.BM25.load(str(self.folder / "sentence_bm25")) if len(owner) else None
            if len(owner) and (owner.max() >= len(meta["ids"]) or sentence_bm25.scores["num_docs"] != len(owner)):
                raise ValueError("the saved sentence index does not match the saved ids")
            boilerplate = np.load(self.folder / "boilerplate.npy")
            if len(boilerplate) != len(meta["ids"]):
                raise ValueError("the saved boilerplate shares do not match the saved ids")
        except (OSError, ValueError, KeyError):
            return False
        self.ids, self.fingerprint, self.catalogue, self._positions = meta["ids"], meta["fingerprint"], catalogue, None
        self._sentence_bm25, self._owner, self.boilerplate = sentence_bm25, owner, boilerplate
        return True

    def passages_with_all(self, tokens: list[str]) -> int:
        """How many passages hold every one of these (already tokenised) words, from the BM25
        postings: bm25s keeps, per token, the sorted ids of the passages holding it."""
        if self._bm25 is None:
            return 0
        vocab, postings = self._bm25.vocab_dict, self._bm25.scores
        common = None
        for token in tokens:
            row = vocab.get(token)
            if row is None:
                return 0
            docs = postings["indices"][postings["indptr"][row]:postings["indptr"][row + 1]]
            common = docs if common is None else np.intersect1d(common, docs, assume_unique=True)
            if not len(common):
                return 0
        return 0 if common is None else len(common)

    @property
    def languages(self) -> list[str]:
        """The languages of the indexed passages ("" for unknown)."""
        return list(self.catalogue.vocab.get("language", []))

    def terms(self, query: str, language: str) -> list[str]:
        """A question's terms, read in its ``language`` and in each stored language."""
        return question_terms(query, [language, *self.languages])

    def scores(self, query: str, language: str = "") -> np.ndarray:
        """BM25 score of every indexed passage, in ``self.ids`` order, for a question in ``language``."""
        tokens = self.terms(query, language)
        if self._bm25 is None or not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def sentence_scores(self, query: str, language: str = "") -> np.ndarray:
        """Per passage, in ``self.ids`` order, the BM25 score of its best-matching sentence."""
        best = np.zeros(len(self.ids), dtype=np.float32)
        tokens = self.terms(query, language)
        if self._sentence_bm25 is not None and tokens:
            np.maximum.at(best, self._owner, np.asarray(self._sentence_bm25.get_scores(tokens), dtype=np.float32))
        return best
