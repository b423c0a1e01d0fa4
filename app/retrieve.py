"""Hybrid retrieval: dense passages (langchain-chroma), dense sentences and BM25, fused by
weighted reciprocal rank fusion, filtered by metadata."""

from __future__ import annotations

import json

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.filters import matches, to_where
from app.lexical import LexicalIndex
from app.outlets import named_sources
from app.store import PASSAGES, SENTENCES, NewsStore
from app.types import Hit
from ingest.language import detect_language

RRF_K = 60
# Per-signal weights of the fusion; see DEVELOPERS.md for how they were measured.
WEIGHTS = {"lexical": 2.0, "dense": 1.0, "sentence": 1.0}
CROSS_LINGUAL_LEXICAL = 0.25  # share of the lexical weight kept when languages differ


def rrf(rankings: dict[str, list[str]], weights: dict[str, float], k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over lists of weight / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ids, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


DEEP = 400  # depth of the one unrestricted query that per-outlet sub-searches are cut from


def _only(deep: tuple, sources: list[str], n: int) -> tuple | None:
    """The deep results of the given outlets, best ``n`` of each list; None when too few of
    them are that deep (the sub-search then asks Chroma with the outlet as a filter)."""
    cut = []
    for ids, docs, metas, sims in deep:
        keep = [i for i, meta in enumerate(metas) if meta.get("source") in sources][:n]
        if len(keep) < n // 4:
            return None
        cut.append(([ids[i] for i in keep], [docs[i] for i in keep], [metas[i] for i in keep],
                    [sims[i] for i in keep]))
    return tuple(cut)


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
        lexical = (index, index.scores(query))  # computed once, filtered per sub-search
        overall = self._search(query, self.filters, vector, lexical)
        outlets = self._named_outlets(query)
        if not outlets:
            return overall
        # One deep unrestricted query per collection, filtered here by outlet: Chroma's filtered
        # HNSW queries cost ~33 ms each against ~4 ms unfiltered on the MultiHop store.
        where = to_where(self.filters)
        deep = (self.store.query(PASSAGES, vector, DEEP, where), self.store.query(SENTENCES, vector, DEEP, where))
        parts = [overall] + [self._search(query, {**(self.filters or {}), "source": sources}, vector, lexical,
                                          _only(deep, sources, self.candidates))
                             for sources in outlets]
        return interleave(parts, self.k)

    def _named_outlets(self, query: str) -> list[list[str]]:
        if self.filters and self.filters.get("source"):
            return []  # the caller chose the outlets
        return named_sources(query, self.store.sources())

    def _search(self, query: str, filters: dict | None, vector: np.ndarray, bm25: tuple[LexicalIndex, np.ndarray],
                deep: tuple | None = None) -> list[Hit]:
        store, where = self.store, to_where(filters)
        texts: dict[str, str] = {}
        metas: dict[str, dict] = {}
        dense: dict[str, float] = {}

        if deep is not None:  # passages and sentences already found, restricted here
            for pid, text, meta, sim in zip(*deep[0]):
                texts[pid], metas[pid], dense[pid] = text, meta, sim
            s_metas, s_sims = deep[1][2], deep[1][3]
        else:
            for doc, distance in store.vectorstore().similarity_search_by_vector_with_relevance_scores(
                vector.tolist(), k=self.candidates, filter=where
            ):
                texts[doc.id], metas[doc.id], dense[doc.id] = doc.page_content, doc.metadata, 1.0 - distance
            _, _, s_metas, s_sims = store.query(SENTENCES, vector, self.candidates, where)

        sentence_best: dict[str, float] = {}
        for meta, sim in zip(s_metas, s_sims):
            pid = meta["passage_id"]
            sentence_best[pid] = max(sentence_best.get(pid, -1.0), sim)

        lexical = self._lexical(*bm25, where)
        rankings = {
            "dense": sorted(dense, key=dense.get, reverse=True),
            "sentence": sorted(sentence_best, key=sentence_best.get, reverse=True),
            "lexical": sorted(lexical, key=lexical.get, reverse=True),
        }
        fused = rrf(rankings, self._weights(query, [metas[pid] for pid in rankings["dense"][:10]]))
        ranked = sorted(fused, key=fused.get, reverse=True)[: self.k * 3]
        missing = [pid for pid in ranked if pid not in texts]
        for pid, (text, meta) in store.passages_by_id(missing).items():
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
            if pid in texts
        ]

    @staticmethod
    def _weights(query: str, dense_top: list[dict]) -> dict[str, float]:
        """Lexical matching counts for more when the question is in the language of the passages
        it would match (names, numbers, outlets), and less across languages."""
        if not dense_top:
            return WEIGHTS
        language = detect_language(query) or "en"
        same = sum(1 for meta in dense_top if meta.get("language") == language) / len(dense_top)
        return {**WEIGHTS, "lexical": WEIGHTS["lexical"] * (CROSS_LINGUAL_LEXICAL + (1 - CROSS_LINGUAL_LEXICAL) * same)}

    def _lexical(self, index: LexicalIndex, scores: np.ndarray, where: dict | None) -> dict[str, float]:
        """BM25 candidates from scores computed on ``index`` (the same object: its ids match)."""
        if not len(scores) or float(scores.max()) <= 0.0:
            return {}
        pool = self.candidates * (5 if where else 1)
        order = np.argsort(-scores)[:pool]
        order = [i for i in order if scores[i] > 0]
        ids = [index.ids[i] for i in order]
        if where:
            metas = self.store.passages_by_id(ids)
            keep = {pid for pid, (_, meta) in metas.items() if matches(meta, where)}
            order = [i for i, pid in zip(order, ids) if pid in keep]
        return {index.ids[i]: float(scores[i]) for i in order[: self.candidates]}
