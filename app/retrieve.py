"""Hybrid retrieval: dense passages (langchain-chroma), dense sentences and BM25, fused by
weighted reciprocal rank fusion, filtered by metadata."""

from __future__ import annotations

import json

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.lexical import LexicalIndex
from app.outlets import named_sources
from app.store import PASSAGES, SENTENCES, NewsStore
from app.types import Hit
from ingest.language import detect_language

RRF_K = 60
# Per-signal weights of the fusion; see DEVELOPERS.md for how they were measured.
WEIGHTS = {"lexical": 8.0, "dense": 0.5, "sentence": 1.0}
CROSS_LINGUAL_LEXICAL = 0.0  # share of the lexical weight kept when languages differ


def rrf(rankings: dict[str, list[str]], weights: dict[str, float], k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over lists of weight / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ids, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


# Filtered dense search never asks Chroma to filter (0.5-3.5 s a query at 800k sentences):
EXACT = 1000  # at most this many passages pass the filter: all of them are scored exactly
DEEP = 400  # else the unfiltered nearest neighbours are read this deep (or deeper, for a rare
MAX_DEEP = 1000  # filter: as deep as ~2 x candidates kept needs, up to MAX_DEEP) and filtered here


class _Deep:
    """Unfiltered nearest neighbours of one query vector, read once per depth and shared by
    the sub-searches of one question."""

    def __init__(self, store: NewsStore, vector: np.ndarray) -> None:
        self.store, self.vector = store, vector
        self._read: dict[str, tuple[int, tuple]] = {}

    def get(self, name: str, depth: int) -> tuple:
        have = self._read.get(name)
        if have is None or have[0] < depth:
            have = (depth, self.store.query(name, self.vector, depth))
            self._read[name] = have
        return tuple(column[:depth] for column in have[1])


def interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """Round-robin over the rankings (first items first), without repeats, at most ``k``."""
    merged: dict[str, Hit] = {}
    for rank in range(max(map(len, rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking) and ranking[rank].passage_id not in merged:
                merged[ranking[rank].passage_id] = ranking[rank]
    return list(merged.values())[:k]


def one_copy_per_story(ranked: list[str], metas: dict[str, dict]) -> list[str]:
    """Passages in rank order, without those of a second article of the same story group (a
    syndicated copy): the best-ranked copy speaks for the group."""
    speaker: dict[str, str] = {}
    kept = []
    for pid in ranked:
        article = metas[pid]["article_id"]
        group = metas[pid].get("group") or article
        if speaker.setdefault(group, article) == article:
            kept.append(pid)
    return kept


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over the store; documents carry the passage metadata and scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: NewsStore
    k: int = 10
    candidates: int = 40
    filters: dict | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.text,
                id=hit.passage_id,
                metadata={"article_id": hit.article_id, "score": hit.score, "dense": hit.dense,
                          "lexical": hit.lexical, "sentence_ids": list(hit.sentence_ids)},
            )
            for hit in self.search(query)
        ]

    def search(self, query: str) -> list[Hit]:
        """The fused ranking; when the question names stored outlets ("as reported by The Verge
        and TechCrunch"), one sub-search per outlet restricted to it, interleaved with the
        unrestricted one, so each named report has its evidence near the top."""
        vector = self.store.embedder.embed_query(query)
        index = self.store.lexical_index()
        scores = index.scores(query)  # computed once, masked per sub-search
        allowed = index.catalogue.mask(self.filters)
        if allowed is not None and not allowed.any():
            return []
        deep = _Deep(self.store, vector)
        overall = self._search(query, allowed, vector, index, scores, deep)
        outlets = self._named_outlets(query)
        if not outlets:
            return overall
        parts = [overall]
        for sources in outlets:
            only = index.catalogue.mask({"source": sources})
            parts.append(self._search(query, only if allowed is None else only & allowed, vector, index, scores, deep))
        return interleave(parts, self.k)

    def _named_outlets(self, query: str) -> list[list[str]]:
        if self.filters and self.filters.get("source"):
            return []  # the caller chose the outlets
        return named_sources(query, self.store.sources())

    def _search(self, query: str, allowed: np.ndarray | None, vector: np.ndarray, index: LexicalIndex,
                scores: np.ndarray, deep: _Deep) -> list[Hit]:
        """One fused ranking over the passages ``allowed`` keeps (a mask over ``index.ids``)."""
        texts, metas, dense, sentence_best = self._dense(allowed, vector, index, deep)
        lexical = self._lexical(index, scores, allowed)
        rankings = {
            "dense": sorted(dense, key=dense.get, reverse=True),
            "sentence": sorted(sentence_best, key=sentence_best.get, reverse=True),
            "lexical": sorted(lexical, key=lexical.get, reverse=True),
        }
        top_dense = [metas[pid] for pid in rankings["dense"][:10] if pid in metas]
        fused = rrf(rankings, self._weights(query, top_dense))
        ranked = sorted(fused, key=fused.get, reverse=True)[: self.k * 3]
        missing = [pid for pid in ranked if pid not in texts]
        for pid, (text, meta) in self.store.passages_by_id(missing).items():
            texts[pid], metas[pid] = text, meta
        top = one_copy_per_story([pid for pid in ranked if pid in texts], metas)[: self.k]
        return [
            Hit(
                passage_id=pid,
                article_id=metas[pid]["article_id"],
                text=texts[pid],
                score=fused[pid],
                dense=max(dense.get(pid, 0.0), sentence_best.get(pid, 0.0)),
                lexical=lexical.get(pid, 0.0),
                sentence_ids=tuple(json.loads(metas[pid]["sentence_ids"])),
            )
            for pid in top
        ]

    def _dense(self, allowed: np.ndarray | None, vector: np.ndarray, index: LexicalIndex, deep: _Deep):
        """Dense candidates among the allowed passages: (texts, metadatas, passage similarity,
        best sentence similarity per passage), keyed by passage id."""
        texts: dict[str, str] = {}
        metas: dict[str, dict] = {}
        dense: dict[str, float] = {}
        sentence_best: dict[str, float] = {}
        if allowed is None:  # unfiltered: LangChain's Chroma vector store, and the sentences
            for doc, distance in self.store.vectorstore().similarity_search_by_vector_with_relevance_scores(
                vector.tolist(), k=self.candidates
            ):
                texts[doc.id], metas[doc.id], dense[doc.id] = doc.page_content, doc.metadata, 1.0 - distance
            sentences = self.store.query(SENTENCES, vector, self.candidates)
        else:
            count = int(allowed.sum())
            if count <= EXACT:
                return self._exact(np.flatnonzero(allowed), vector, index)
            depth = int(min(MAX_DEEP, max(DEEP, 2 * self.candidates * len(allowed) / count)))

            def kept(pid: str) -> bool:
                position = index.position(pid)  # None: written after this index was read
                return position is not None and bool(allowed[position])

            for pid, text, meta, sim in zip(*deep.get(PASSAGES, depth)):
                if len(dense) < self.candidates and kept(pid):
                    texts[pid], metas[pid], dense[pid] = text, meta, sim
            rows = [row for row in zip(*deep.get(SENTENCES, depth)) if kept(row[2]["passage_id"])]
            sentences = tuple(map(list, zip(*rows[: self.candidates]))) or ([], [], [], [])
        for meta, sim in zip(sentences[2], sentences[3]):
            pid = meta["passage_id"]
            sentence_best[pid] = max(sentence_best.get(pid, -1.0), sim)
        return texts, metas, dense, sentence_best

    def _exact(self, positions: np.ndarray, vector: np.ndarray, index: LexicalIndex):
        """Every allowed passage and its sentences scored against the query (a few hundred rows
        read by id cost less than any approximate search that has to skip the rest)."""
        query = vector / max(float(np.linalg.norm(vector)), 1e-12)
        ids = [index.ids[i] for i in positions]
        p_ids, p_metas, p_vectors = self.store.vectors(PASSAGES, ids, with_metadata=True)
        p_sims = _cosine(p_vectors, query)
        order = _top(p_sims, self.candidates)
        metas = {p_ids[i]: p_metas[i] for i in order}
        dense = {p_ids[i]: float(p_sims[i]) for i in order}
        passage_of = {sid: pid for pid, meta in zip(p_ids, p_metas) for sid in json.loads(meta["sentence_ids"])}
        s_ids, _, s_vectors = self.store.vectors(SENTENCES, list(passage_of))
        s_sims = _cosine(s_vectors, query)
        sentence_best: dict[str, float] = {}
        for i in _top(s_sims, self.candidates):
            pid = passage_of[s_ids[i]]
            sentence_best[pid] = max(sentence_best.get(pid, -1.0), float(s_sims[i]))
        return {}, metas, dense, sentence_best

    @staticmethod
    def _weights(query: str, dense_top: list[dict]) -> dict[str, float]:
        """Lexical matching counts for more when the question is in the language of the passages
        it would match (names, numbers, outlets), and less across languages."""
        if not dense_top:
            return WEIGHTS
        language = detect_language(query) or "en"
        same = sum(1 for meta in dense_top if meta.get("language") == language) / len(dense_top)
        return {**WEIGHTS, "lexical": WEIGHTS["lexical"] * (CROSS_LINGUAL_LEXICAL + (1 - CROSS_LINGUAL_LEXICAL) * same)}

    def _lexical(self, index: LexicalIndex, scores: np.ndarray, allowed: np.ndarray | None) -> dict[str, float]:
        """The best BM25 candidates among the allowed passages (``scores`` computed on ``index``:
        the same object, so positions match)."""
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        if not len(scores) or float(scores.max()) <= 0.0:
            return {}
        return {index.ids[i]: float(scores[i]) for i in _top(scores, self.candidates) if scores[i] > 0}


def _top(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` largest values, largest first (a partial sort: a full argsort of
    400k BM25 scores costs ~30 ms, this ~3 ms)."""
    if len(values) <= n:
        return np.argsort(-values, kind="stable")
    part = np.argpartition(-values, n)[:n]
    return part[np.argsort(-values[part], kind="stable")]


def _cosine(vectors: np.ndarray, unit_query: np.ndarray) -> np.ndarray:
    if not len(vectors):
        return np.zeros(0, np.float32)
    norms = np.maximum(np.linalg.norm(vectors, axis=1), 1e-12)
    return (vectors @ unit_query) / norms
