"""Immutable pieces of the lexical index: one per write, merged now and then.

A segment holds, for the passages one write added, their BM25 postings (term frequencies by
term), the postings of their sentences and which passage each sentence is in, their filter fields,
and what boilerplate detection needs of each sentence (a hash of its text, its story, its length).
Scores are computed at query time from every segment's postings with the statistics of the live
documents of the whole index (count, average length, document frequency), so a write costs what
it adds, and the index scores exactly as one built afresh over the same passages would (BM25 as
``bm25s`` computes it, Lucene's variant; tests/test_segments.py).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.store.catalogue import fields_of

K1, B = 1.5, 0.75  # BM25's term-frequency saturation and length normalisation (bm25s's defaults)


@dataclass
class Postings:
    """Term frequencies of a set of documents, by term (compressed sparse columns)."""

    terms: list[str]
    indptr: np.ndarray  # int64, per term: where its documents start in ``docs``
    docs: np.ndarray  # int32, document positions, ascending within a term
    tf: np.ndarray  # float32, the term's count in each of those documents
    lengths: np.ndarray  # float32, tokens per document

    def __post_init__(self) -> None:
        self._row = {term: row for row, term in enumerate(self.terms)}

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> "Postings":
        """Postings of tokenised documents (an empty document counts one placeholder token)."""
        documents = [tokens or ["\x00"] for tokens in documents]
        lengths = np.fromiter(map(len, documents), np.int64, len(documents))
        vocabulary: dict[str, int] = {}
        found = np.fromiter((vocabulary.setdefault(token, len(vocabulary)) for tokens in documents for token in tokens),
                            np.int64, int(lengths.sum()))
        terms = sorted(vocabulary)
        row = np.empty(len(terms), np.int64)
        row[[vocabulary[term] for term in terms]] = np.arange(len(terms))
        # one key per (term row, document), sorted: the postings in term order, documents ascending
        size = max(len(documents), 1)
        keys, tf = np.unique(row[found] * size + np.repeat(np.arange(len(documents)), lengths), return_counts=True)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(keys // size, minlength=len(terms)))]).astype(np.int64)
        return cls(terms, indptr, (keys % size).astype(np.int32), tf.astype(np.float32), lengths.astype(np.float32))

    def of(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        row = self._row.get(term)
        if row is None:
            return None
        start, end = self.indptr[row], self.indptr[row + 1]
        return self.docs[start:end], self.tf[start:end]

    @classmethod
    def merge(cls, parts: Sequence["Postings"], keep: Sequence[np.ndarray]) -> "Postings":
        """One postings of several, their documents renumbered in order; ``keep[i]`` says which
        of part i's documents stay."""
        new_position = []
        offset = 0
        for mask in keep:
            numbers = np.cumsum(mask) - 1 + offset
            new_position.append(np.where(mask, numbers, -1))
            offset += int(mask.sum())
        terms = sorted(set().union(*(part.terms for part in parts)))
        docs_by_term: list[list[np.ndarray]] = [[] for _ in terms]
        tf_by_term: list[list[np.ndarray]] = [[] for _ in terms]
        row = {term: i for i, term in enumerate(terms)}
        for part, renumber in zip(parts, new_position):
            for i, term in enumerate(part.terms):
                start, end = part.indptr[i], part.indptr[i + 1]
                docs = renumber[part.docs[start:end]]
                alive = docs >= 0
                docs_by_term[row[term]].append(docs[alive].astype(np.int32))
                tf_by_term[row[term]].append(part.tf[start:end][alive])
        kept = [i for i in range(len(terms)) if sum(len(d) for d in docs_by_term[i])]
        counts = [sum(len(d) for d in docs_by_term[i]) for i in kept]
        empty = np.zeros(0, np.int32)
        return cls(
            [terms[i] for i in kept],
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            np.concatenate([d for i in kept for d in docs_by_term[i]] or [empty]).astype(np.int32),
            np.concatenate([t for i in kept for t in tf_by_term[i]] or [empty.astype(np.float32)]).astype(np.float32),
            np.concatenate([part.lengths[mask] for part, mask in zip(parts, keep)] or [np.zeros(0, np.float32)]),
        )

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}indptr": self.indptr, f"{prefix}docs": self.docs, f"{prefix}tf": self.tf,
                f"{prefix}lengths": self.lengths}

    @classmethod
    def from_arrays(cls, terms: list[str], saved, prefix: str) -> "Postings":
        return cls(terms, saved[f"{prefix}indptr"], saved[f"{prefix}docs"], saved[f"{prefix}tf"],
                   saved[f"{prefix}lengths"])


def add_bm25(parts: Sequence[tuple[Postings, int, np.ndarray]], tokens: Sequence[str], out: np.ndarray) -> None:
    """Add to ``out`` the BM25 score of each document for ``tokens`` (a repeated token counts
    again), over the ``parts``: (postings, offset of their documents in ``out``, which of them
    are live). Document count, average length and document frequencies are the live documents',
    so deleted ones weigh nothing and any split into parts scores as one index would."""
    count = sum(int(live.sum()) for _, _, live in parts)
    if not count:
        return
    average = sum(float(part.lengths[live].sum()) for part, _, live in parts) / count
    for token in tokens:
        found = []
        for part, offset, live in parts:
            hit = part.of(token)
            if hit is not None:
                alive = live[hit[0]]
                found.append((part, offset, hit[0][alive], hit[1][alive]))
        df = sum(len(docs) for _, _, docs, _ in found)
        if not df:
            continue
        idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
        for part, offset, docs, tf in found:
            norm = K1 * ((1 - B) + B * part.lengths[docs] / average)
            out[offset + docs] += (idf * tf / (norm + tf)).astype(np.float32)


def text_hash(text: str) -> int:
    """A sentence's text, case and spacing ignored, as a signed 64-bit number."""
    digest = hashlib.blake2b(" ".join(text.lower().split()).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass
class Segment:
    name: str
    ids: list[str]  # passage ids
    passages: Postings
    sentences: Postings
    owner: np.ndarray  # int32, per sentence: its passage's position in ``ids``
    fields: dict[str, list]  # per passage: TEXT_FIELDS values and published_ts (None when unknown)
    sentence_hash: np.ndarray  # int64 per sentence (``text_hash``)
    sentence_story: np.ndarray  # int64 per sentence: its story group, hashed
    sentence_chars: np.ndarray  # int32 per sentence: its length in characters

    @classmethod
    def build(cls, name: str, ids: list[str], passage_tokens: list[list[str]], metas: list[dict],
              sentences: list[tuple[int, list[str], str]]) -> "Segment":
        """``sentences``: (passage position, tokens, text) of every sentence of the passages."""
        story = [str(meta.get("group") or meta.get("article_id") or pid) for pid, meta in zip(ids, metas)]
        return cls(
            name, list(ids), Postings.build(passage_tokens), Postings.build([tokens for _, tokens, _ in sentences]),
            np.fromiter((owner for owner, _, _ in sentences), np.int32, len(sentences)), fields_of(metas),
            np.fromiter((text_hash(text) for _, _, text in sentences), np.int64, len(sentences)),
            np.fromiter((text_hash(story[owner]) for owner, _, _ in sentences), np.int64, len(sentences)),
            np.fromiter((len(" ".join(text.split())) for _, _, text in sentences), np.int32, len(sentences)),
        )

    @classmethod
    def merge(cls, name: str, parts: Sequence["Segment"], live: Sequence[np.ndarray]) -> "Segment":
        """One segment of several, without the passages ``live`` marks dead."""
        sentence_live = [mask[part.owner] for part, mask in zip(parts, live)]
        renumber, offset = [], 0
        for mask in live:
            renumber.append(np.cumsum(mask) - 1 + offset)
            offset += int(mask.sum())
        return cls(
            name,
            [pid for part, mask in zip(parts, live) for pid, alive in zip(part.ids, mask) if alive],
            Postings.merge([part.passages for part in parts], live),
            Postings.merge([part.sentences for part in parts], sentence_live),
            np.concatenate([r[part.owner[m]] for part, r, m in zip(parts, renumber, sentence_live)]).astype(np.int32),
            {key: [v for part, mask in zip(parts, live) for v, alive in zip(part.fields[key], mask) if alive]
             for key in parts[0].fields},
            *(np.concatenate([getattr(part, column)[m] for part, m in zip(parts, sentence_live)])
              for column in ("sentence_hash", "sentence_story", "sentence_chars")),
        )

    def save(self, folder: Path) -> None:
        """Write the segment into ``folder/<name>`` (written once, never changed)."""
        path = folder / self.name
        path.mkdir(parents=True, exist_ok=False)
        np.savez(path / "arrays.npz", owner=self.owner, sentence_hash=self.sentence_hash,
                 sentence_story=self.sentence_story, sentence_chars=self.sentence_chars,
                 **self.passages.arrays("p_"), **self.sentences.arrays("s_"))
        (path / "terms.json").write_text(json.dumps({"ids": self.ids, "fields": self.fields,
                                                     "passages": self.passages.terms,
                                                     "sentences": self.sentences.terms}))

    @classmethod
    def load(cls, folder: Path, name: str) -> "Segment":
        path = folder / name
        meta = json.loads((path / "terms.json").read_text())
        with np.load(path / "arrays.npz") as saved:
            segment = cls(name, meta["ids"], Postings.from_arrays(meta["passages"], saved, "p_"),
                          Postings.from_arrays(meta["sentences"], saved, "s_"), saved["owner"], meta["fields"],
                          saved["sentence_hash"], saved["sentence_story"], saved["sentence_chars"])
        if len(segment.passages.lengths) != len(segment.ids) or len(segment.owner) != len(segment.sentences.lengths):
            raise ValueError(f"the saved segment {name} does not match its ids")
        return segment
