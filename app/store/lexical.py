"""BM25 over the stored passages and over their sentences, persisted beside Chroma in segments.

Local Chroma has no lexical search, so this index lives in ``<store>/lexical``: a list of
immutable segments (``app.store.segments``), one per write, and the positions of the passages
deleted since (their articles were removed or replaced). A write adds a segment for what it
wrote; when there are more than ``MAX_SEGMENTS``, the newer ones are merged, and a merge of all
drops the deleted passages. The index records a fingerprint of the live passage ids; when
Chroma's passages differ (an interrupted run, another machine's index) the index is built again
from Chroma, which stays the source of truth.

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
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from app.store.catalogue import Catalogue
from app.store.segments import Segment, add_bm25
from app.text.analysis import question_terms, tokenize

LAYOUT = 4  # what the saved index holds (segments); an index saved under another is rebuilt
MAX_SEGMENTS = 8  # more after a write: the newer segments are merged into one (docs/benchmarks.md)

def fingerprint(ids: list[str]) -> str:
    digest = hashlib.sha1()
    for item in sorted(ids):
        digest.update(item.encode())
        digest.update(b"\n")
    return f"{len(ids)}:{digest.hexdigest()}"


BOILERPLATE_STORIES = 4  # a sentence found word for word in this many stories is boilerplate (docs/experiments.md)


def boilerplate_share(owners: np.ndarray, hashes: np.ndarray, stories: np.ndarray, chars: np.ndarray,
                      size: int) -> np.ndarray:
    """Per passage (``size`` of them), the share of its sentence text, in characters, that is
    boilerplate: sentences that recur word for word in ``BOILERPLATE_STORIES`` or more stories
    (sign-up prompts, site notices, standing background lines). Per sentence: ``owners`` its
    passage, ``hashes`` its text (``segments.text_hash``), ``stories`` its story (syndicated
    copies of one report count once), ``chars`` its length."""
    if not len(owners):
        return np.zeros(size, np.float32)
    pairs = np.unique(np.stack([hashes, stories], axis=1), axis=0)
    texts, count = np.unique(pairs[:, 0], return_counts=True)
    shared = np.isin(hashes, texts[count >= BOILERPLATE_STORIES])
    total = np.bincount(owners, weights=chars, minlength=size)
    common = np.bincount(owners[shared], weights=chars[shared], minlength=size)
    return (common / np.maximum(total, 1.0)).astype(np.float32)


class LexicalIndex:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.generation: str | None = None  # the store's generation this index is known to match
        self.changes: int | None = None  # server mode: the logged changes this index holds (connection.log_change)
        self._stamp: tuple | None = None  # meta.json as this process last loaded or saved it
        self.saved_generation: str | None = None  # local mode: the store generation the saved index matches (``mark``)
        self._set([], np.zeros(0, bool))

    def _saved_stamp(self) -> tuple | None:
        try:
            stat = (self.folder / "meta.json").stat()
        except (OSError, TypeError):
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def saved_since(self) -> bool:
        """Whether another process saved the index since this one loaded or saved it."""
        return self.folder is not None and self._saved_stamp() not in (None, self._stamp)

    def _set(self, segments: list[Segment], dead: np.ndarray) -> None:
        self.segments = segments
        self.ids: list[str] = [pid for segment in segments for pid in segment.ids]  # every position, dead too
        self.live = ~np.asarray(dead, bool) if len(dead) == len(self.ids) else np.ones(len(self.ids), bool)
        self._offsets = np.cumsum([0] + [len(segment.ids) for segment in segments])
        self.fingerprint = fingerprint(self.passage_ids)
        fields = {key: [v for segment in segments for v in segment.fields[key]]
                  for key in (segments[0].fields if segments else {})}
        self.catalogue = Catalogue.from_fields(fields, len(self.ids))
        self._positions: dict[str, int] | None = None
        self._boilerplate: np.ndarray | None = None
        self._owners: np.ndarray | None = None

    @property
    def passage_ids(self) -> list[str]:
        """The live passages' ids, in position order."""
        return [pid for pid, alive in zip(self.ids, self.live) if alive]

    def position(self, passage_id: str) -> int | None:
        """Where a live passage is in ``ids`` (and in ``scores()`` and the catalogue)."""
        if self._positions is None:
            self._positions = {pid: i for i, (pid, alive) in enumerate(zip(self.ids, self.live)) if alive}
        return self._positions.get(passage_id)

    def mask(self, filters: dict | None) -> np.ndarray | None:
        """Which live passages the filters keep (None: no filter; see ``app.store.filters``)."""
        keep = self.catalogue.mask(filters)
        return None if keep is None else keep & self.live

    @property
    def boilerplate(self) -> np.ndarray:
        """Per position, the passage's share of boilerplate sentences (``boilerplate_share``)."""
        if self._boilerplate is None:
            owners = self._sentence_owners()
            alive = self.live[owners]
            columns = [np.concatenate([getattr(s, name) for s in self.segments] or [np.zeros(0, np.int64)])[alive]
                       for name in ("sentence_hash", "sentence_story", "sentence_chars")]
            self._boilerplate = boilerplate_share(owners[alive], *columns, len(self.ids))
        return self._boilerplate

    @staticmethod
    def segment(ids: list[str], texts: list[str], metas: list[dict], sentences: Iterable[tuple[int, str]] = (),
                heads: Sequence[str] | None = None) -> Segment:
        """A segment of passages ``ids`` (BM25 over ``texts``, each in its ``metas``' language) and
        ``sentences``: (position of the passage in ``ids``, sentence text) pairs. ``heads``: per
        passage, words indexed with it and with each of its sentences (its article's title and
        outlet: news questions name outlets and headline words; docs/experiments.md)."""
        languages = [str(meta.get("language") or "") for meta in metas]
        heads = heads or [""] * len(ids)
        rows = [(owner, text) for owner, text in sentences]
        if any(owner < 0 or owner >= len(ids) for owner, _ in rows):
            raise ValueError("a sentence's passage position is outside the indexed passages")
        head_terms: dict[tuple[str, str], list[str]] = {}  # a head is read once per article, not per sentence
        for head, language in zip(heads, languages):
            head_terms.setdefault((head, language), tokenize(head, language))
        return Segment.build(
            f"seg-{uuid.uuid4().hex[:12]}", list(ids),
            [tokenize(f"{head} {text}".strip(), language) for head, text, language in zip(heads, texts, languages)],
            list(metas), [(owner, head_terms[heads[owner], languages[owner]] + tokenize(text, languages[owner]), text)
                          for owner, text in rows])

    def build(self, ids: list[str], texts: list[str], metas: list[dict] | None = None, save: bool = True,
              sentences: Iterable[tuple[int, str]] = (), heads: Sequence[str] | None = None) -> None:
        """The whole index afresh, one segment (see ``segment``)."""
        metas = metas if metas is not None else [{}] * len(ids)
        self.use([self.segment(ids, texts, metas, sentences, heads)], save)

    def use(self, segments: list[Segment], save: bool = True) -> None:
        """The whole index: these segments (empty ones left out), none of their passages deleted."""
        segments = [segment for segment in segments if segment.ids]
        self._set(segments, np.zeros(sum(len(s.ids) for s in segments), bool))
        if save:
            self._save_all()

    def add(self, articles: set[str], segment: Segment, save: bool = True) -> None:
        """A write's change: the passages of ``articles`` (removed or replaced) are deleted and
        ``segment`` (what the write stored for them) is added; segments are merged when there are
        more than ``MAX_SEGMENTS``. Saved in place: the new segment first, then the list."""
        dead = ~self.live.copy()
        for i, pid in enumerate(self.ids):
            if pid.rsplit(":p", 1)[0] in articles:
                dead[i] = True
        segments = [*self.segments, segment] if segment.ids else list(self.segments)
        dead = np.concatenate([dead, np.zeros(len(segments[-1].ids) if len(segments) > len(self.segments) else 0, bool)])
        created = [segment] if len(segments) > len(self.segments) else []
        if len(segments) > MAX_SEGMENTS:
            segments, dead, created = self._merged(segments, dead, created)
        dropped = {s.name for s in self.segments} - {s.name for s in segments}
        self._set(segments, dead)
        if save and self.folder is not None:
            self._save_change(created, dropped)

    def _merged(self, segments: list[Segment], dead: np.ndarray, created: list[Segment]):
        """Merge the newer segments while they hold no more passages than the one before them
        (all of them when the deleted passages are a tenth of the index): each passage is merged
        O(log n) times over the index's life."""
        first = len(segments) - 2
        while first > 0 and sum(len(s.ids) for s in segments[first:]) >= len(segments[first - 1].ids):
            first -= 1
        if dead.mean() > 0.1:
            first = 0
        offsets = np.cumsum([0] + [len(s.ids) for s in segments])
        live = [~dead[offsets[i]:offsets[i + 1]] for i in range(len(segments))]
        merged = Segment.merge(f"seg-{uuid.uuid4().hex[:12]}", segments[first:], live[first:])
        kept_dead = dead[: offsets[first]]
        created = [s for s in created if s in segments[:first]] + [merged]
        return [*segments[:first], merged], np.concatenate([kept_dead, np.zeros(len(merged.ids), bool)]), created

    def _meta(self) -> dict:
        return {"layout": LAYOUT, "fingerprint": self.fingerprint, "segments": [s.name for s in self.segments],
                "dead": np.flatnonzero(~self.live).tolist(), "changes": self.changes}

    def _save_all(self) -> None:
        """Write the whole index beside the old one and swap the folders: readers see either."""
        if self.folder is None:
            return
        tmp = self.folder.with_name(f"{self.folder.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)  # per process: several may save one machine's server-mode cache
        for segment in self.segments:
            segment.save(tmp)
        (tmp / "meta.json").write_text(json.dumps(self._meta()))
        old = self.folder.with_name(f"{self.folder.name}.old{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._stamp = self._saved_stamp()

    def _save_change(self, created: list[Segment], dropped: set[str]) -> None:
        """Write the new segments, then the list (a rename: readers see the old list or the new).
        Segments a merge dropped are deleted one save later, once no reader can be loading them."""
        if not (self.folder / "meta.json").exists():
            self._save_all()
            return
        for segment in created:
            segment.save(self.folder)
        before = json.loads((self.folder / "meta.json").read_text())
        for name in before.get("garbage", []):
            shutil.rmtree(self.folder / name, ignore_errors=True)
        self._replace_meta({**self._meta(), "garbage": sorted(dropped)})

    def _replace_meta(self, meta: dict) -> None:
        """Write ``meta.json`` by a rename: readers see the old list or the new."""
        tmp = self.folder / f"meta.json.tmp{os.getpid()}"
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, self.folder / "meta.json")
        self._stamp = self._saved_stamp()

    def mark(self, generation: str) -> None:
        """Record in the saved index that it matches the store at ``generation`` (local mode, once
        the write that saved it has ended), so that a process opening the store can trust it
        without reading every passage id. Any later save drops the mark."""
        path = None if self.folder is None else self.folder / "meta.json"
        if not generation or path is None or not path.exists():
            return
        meta = json.loads(path.read_text())
        if meta.get("fingerprint") != self.fingerprint:
            return
        self._replace_meta({**meta, "generation": generation})
        self.saved_generation = generation

    def load(self) -> bool:
        """Read the saved index; False when there is none or it cannot be read."""
        if self.folder is None or not (self.folder / "meta.json").exists():
            return False
        try:
            stamp = self._saved_stamp()
            meta = json.loads((self.folder / "meta.json").read_text())
            if meta.get("layout", 1) != LAYOUT:
                raise ValueError("the saved index holds texts laid out another way")
            have = {segment.name: segment for segment in self.segments}  # segments never change: reuse
            segments = [have.get(name) or Segment.load(self.folder, name) for name in meta["segments"]]
            dead = np.zeros(sum(len(s.ids) for s in segments), bool)
            dead[np.asarray(meta["dead"], np.int64)] = True
        except (OSError, ValueError, KeyError, IndexError):
            return False
        self._set(segments, dead)
        self._stamp, self.changes, self.saved_generation = stamp, meta.get("changes"), meta.get("generation")
        return self.fingerprint == meta["fingerprint"]

    def passages_with_all(self, tokens: list[str]) -> int:
        """How many live passages hold every one of these (already tokenised) words."""
        total = 0
        for segment, offset in zip(self.segments, self._offsets):
            common = None
            for token in tokens:
                found = segment.passages.of(token)
                docs = np.zeros(0, np.int32) if found is None else found[0]
                common = docs if common is None else np.intersect1d(common, docs, assume_unique=True)
                if not len(common):
                    break
            if common is not None and len(common):
                total += int(self.live[offset + common].sum())
        return total

    @property
    def languages(self) -> list[str]:
        """The languages of the indexed passages ("" for unknown)."""
        return list(self.catalogue.vocab.get("language", []))

    def terms(self, query: str, language: str) -> list[str]:
        """A question's terms, read in its ``language`` and in each stored language."""
        return question_terms(query, [language, *self.languages])

    def scores(self, query: str, language: str = "") -> np.ndarray:
        """BM25 score of every indexed passage, in ``self.ids`` order (0 for deleted ones), for a
        question in ``language``."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        parts = [(s.passages, int(o), self.live[o : o + len(s.ids)]) for s, o in zip(self.segments, self._offsets)]
        add_bm25(parts, self.terms(query, language), out)
        out[~self.live] = 0.0
        return out

    def sentence_scores(self, query: str, language: str = "") -> np.ndarray:
        """Per passage, in ``self.ids`` order, the BM25 score of its best-matching sentence."""
        best = np.zeros(len(self.ids), dtype=np.float32)
        tokens = self.terms(query, language)
        if not tokens:
            return best
        owners = self._sentence_owners()
        starts = np.cumsum([0] + [len(s.owner) for s in self.segments])
        sentence = np.zeros(len(owners), np.float32)
        alive = self.live[owners]
        add_bm25([(s.sentences, int(start), alive[start : start + len(s.owner)])
                  for s, start in zip(self.segments, starts)], tokens, sentence)
        found = np.flatnonzero(sentence)
        np.maximum.at(best, owners[found], sentence[found])
        return best

    def _sentence_owners(self) -> np.ndarray:
        """Per indexed sentence, over all segments in order, its passage's position."""
        if self._owners is None:
            self._owners = np.concatenate([s.owner.astype(np.int64) + o for s, o in zip(self.segments, self._offsets)]
                                          or [np.zeros(0, np.int64)])
        return self._owners
