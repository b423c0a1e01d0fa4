"""Hybrid retrieval: dense passages (langchain-chroma), dense sentences and BM25, fused by
weighted reciprocal rank fusion, filtered by metadata."""

from __future__ import annotations

import json

import numpy as np
from langchain_chroma import Chroma
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.filters import matches, to_where
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
        store, where = self.store, to_where(self.filters)
        vector = store.embedder.embed_query(query)
        texts: dict[str, str] = {}
        metas: dict[str, dict] = {}
        dense: dict[str, float] = {}

        vectorstore = Chroma(client=store.client, collection_name=PASSAGES,
                             embedding_function=store.embedder.as_langchain())
        for doc, distance in vectorstore.similarity_search_by_vector_with_relevance_scores(
            vector.tolist(), k=self.candidates, filter=where
        ):
            texts[doc.id], metas[doc.id], dense[doc.id] = doc.page_content, doc.metadata, 1.0 - distance

        sentence_best: dict[str, float] = {}
        _, _, s_metas, s_sims = store.query(SENTENCES, vector, self.candidates, where)
        for meta, sim in zip(s_metas, s_sims):
            pid = meta["passage_id"]
            sentence_best[pid] = max(sentence_best.get(pid, -1.0), sim)

        lexical = self._lexical(query, where)
        rankings = {
            "dense": sorted(dense, key=dense.get, reverse=True),
            "sentence": sorted(sentence_best, key=sentence_best.get, reverse=True),
            "lexical": sorted(lexical, key=lexical.get, reverse=True),
        }
        fused = rrf(rankings, self._weights(query, [metas[pid] for pid in rankings["dense"][:10]]))
        top = sorted(fused, key=fused.get, reverse=True)[: self.k]
        missing = [pid for pid in top if pid not in texts]
        for pid, (text, meta) in store.passages_by_id(missing).items():
            texts[pid], metas[pid] = text, meta
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

    def _lexical(self, query: str, where: dict | None) -> dict[str, float]:
        index = self.store.lexical_index()
        scores = index.scores(query)
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
