"""Running the searches of a question and fusing them: dense passages (langchain-chroma), BM25
over passages and sentences, and the best sentence's similarity among the passages those found,
fused by weighted reciprocal rank fusion within a search, and the searches' rankings fused again
(``fuse_parts``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

from app.retrieval.fusion import rrf
from app.retrieval.plan import Planner
from app.retrieval.rescore import TOP, Rescorer
from app.store import PASSAGES, NewsStore
from app.store.lexical import LexicalIndex
from app.store.records import sentence_vectors
from app.text.language import question_language
from app.types import Hit

# Per-signal weights of the fusion, chosen on MultiHop and XQuAD dev (docs/experiments.md).
WEIGHTS = {"lexical": 8.0, "dense": 0.5, "sentence": 1.0, "sentence_lexical": 4.0}
# The BM25 signals' share of their weight kept when the question's language differs from the
# passages' (an English question shares few words with German text).
CROSS_LINGUAL = {"lexical": 0.0, "sentence_lexical": 0.0}


# Filtered dense search never asks Chroma to filter (0.5-3.5 s a query at 800k sentences):
EXACT = 1000  # at most this many passages pass the filter: all of them are scored exactly
DEEP = 400  # else the unfiltered nearest neighbours are read this deep (or deeper, for a rare
MAX_DEEP = 1000  # filter: as deep as ~2 x candidates kept needs, up to MAX_DEEP) and filtered here


class _Deep:
    """Unfiltered nearest neighbours of one query vector, read once per depth and shared by
    the sub-searches of one question."""

    def __init__(self, store: NewsStore, vector: np.ndarray, limit: int = MAX_DEEP) -> None:
        self.store, self.vector, self.limit = store, vector, limit
        self._read: dict[str, tuple[int, tuple]] = {}

    def get(self, name: str, depth: int) -> tuple:
        have = self._read.get(name)
        if have is None or have[0] < depth:
            have = (depth, self.store.query(name, self.vector, depth))
            self._read[name] = have
        return tuple(column[:depth] for column in have[1])


PART_DEPTH = 30  # passages each part of a multi-part question hands to the fusion: deeper found more
# evidence up to 30, no more beyond (docs/experiments.md, "question parts")
BOILERPLATE = 0.3  # a passage with this share of boilerplate sentences ranks last in the top k, kept
# there since a series' background line names whom it is about (docs/experiments.md, "Boilerplate")
PARTS_RRF_K = 2  # fusing the parts' rankings: a part's first passages are most often the evidence,
# so top ranks must count most (docs/experiments.md, "question parts")
WHOLE_WEIGHT = 0.5  # the whole question's ranking beside its parts': it leans to the report sharing
# most words; lower helps recall but costs inference answers, read off the top 10 (docs/experiments.md)


def fuse_parts(rankings: list[list[Hit]], k: int, metas: dict[str, dict] | None = None) -> list[Hit]:
    """One ranking from the rankings of a question's parts (whole question first): reciprocal
    rank fusion with a small constant, the whole question's ranking weighted ``WHOLE_WEIGHT``,
    each passage keeping the ``Hit`` of its best rank. With the passages' ``metas``, one copy per
    story: two parts may each have found another copy of the same report."""
    fused = rrf({str(i): [hit.passage_id for hit in ranking] for i, ranking in enumerate(rankings)},
                {"0": WHOLE_WEIGHT}, PARTS_RRF_K)
    first: dict[str, Hit] = {}
    for ranking in rankings:
        for hit in ranking:
            first.setdefault(hit.passage_id, hit)
    order = sorted(fused, key=fused.get, reverse=True)  # stable: ties keep first-seen order
    if metas is not None:
        order = one_copy_per_story(order, metas)
    return [replace(first[pid], score=fused[pid]) for pid in order[:k]]


class _Query:
    """One text's query vector, BM25 scores and deep reads, shared by the sub-searches using it."""

    def __init__(self, store: NewsStore, index: LexicalIndex, text: str, language: str,
                 deepest: int = MAX_DEEP) -> None:
        self.vector = store.embedder.embed_query(text)
        self.scores = index.scores(text, language)
        self.sentence_scores = index.sentence_scores(text, language)
        self.deep = _Deep(store, self.vector, deepest)


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


@dataclass
class HybridSearch:
    store: NewsStore
    planner: Planner
    k: int = 10
    candidates: int = 40
    rescorer: Rescorer | None = None
    rescore: str = "cross-lingual"  # when the rescorer runs: "cross-lingual", "always" or "off"

    def search(self, query: str) -> list[Hit]:
        """The fused ranking: each search the planner makes (``Planner.searches``) ranks its part
        of the store, and the rankings are fused so that each part has its evidence near the top,
        one copy per story. When the top passages are mostly in another language than the
        question, the rescorer re-ranks them."""
        index = self.store.lexical_index()
        allowed = index.catalogue.mask(self.planner.filters)
        if allowed is not None and not allowed.any():
            return []
        language = question_language(query, [*index.languages, "en"]) or "en"
        depth = max(self.k, PART_DEPTH)
        queries: dict[tuple, _Query] = {}
        metas: dict[str, dict] = {}  # of every passage a part ranked, for one copy per story after fusing
        parts, shares = [], []
        for planned in self.planner.searches(query, index, allowed):
            key = (planned.text, planned.deepest or MAX_DEEP)
            if key not in queries:
                queries[key] = _Query(self.store, index, planned.text, language, planned.deepest or MAX_DEEP)
            ranking, share = self._search(queries[key], planned.mask, index, language, depth, metas)
            parts.append(ranking)
            shares.append(share)
        same = shares[0]  # the whole question's: whether its top passages are in its language
        hits = parts[0] if len(parts) == 1 else fuse_parts(parts, depth, metas)
        # Passages mostly of boilerplate (sign-up prompts, site notices) go after the rest of the
        # top k: short ones match a question by their title and outlet alone. They stay in the top
        # k, since a story series' standing background line names whom the series is about.
        hits = sorted(hits[: self.k], key=lambda hit: self._boilerplate(index, hit.passage_id))
        if self.rescorer is not None and (self.rescore == "always" or (self.rescore == "cross-lingual" and same < 0.5)):
            found, texts, _, _ = self.store.sentences_of([hit.passage_id for hit in hits[:TOP]])
            hits = self.rescorer.rerank(query, hits, dict(zip(found, texts)))
        return hits

    def _search(self, asked: "_Query", allowed: np.ndarray | None, index: LexicalIndex,
                language: str, depth: int, seen: dict[str, dict]) -> tuple[list[Hit], float]:
        """One fused ranking, ``depth`` long, over the passages ``allowed`` keeps (a mask over
        ``index.ids``), and the share of its top dense passages in the question's ``language``;
        the metadata of the passages it ranked go into ``seen``."""
        texts, metas, dense, sentence_best = self._dense(allowed, asked.vector, index, asked.deep)
        lexical = self._lexical(index, asked.scores, allowed)
        sentence_lexical = self._lexical(index, asked.sentence_scores, allowed)
        if sentence_best is None:
            sentence_best = self._best_sentences(asked.vector, [*dense, *lexical, *sentence_lexical], texts, metas)
        rankings = {
            "dense": sorted(dense, key=dense.get, reverse=True),
            "sentence": sorted(sentence_best, key=sentence_best.get, reverse=True),
            "lexical": sorted(lexical, key=lexical.get, reverse=True),
            "sentence_lexical": sorted(sentence_lexical, key=sentence_lexical.get, reverse=True),
        }
        top_dense = [metas[pid] for pid in rankings["dense"][:10] if pid in metas]
        same = sum(1 for meta in top_dense if meta.get("language") == language) / len(top_dense) if top_dense else 1.0
        # Lexical matching counts for more when the question is in the language of the passages
        # it would match (names, numbers, outlets), and less across languages.
        weights = {name: weight * (CROSS_LINGUAL.get(name, 1.0) + (1 - CROSS_LINGUAL.get(name, 1.0)) * same)
                   for name, weight in WEIGHTS.items()}
        fused = rrf(rankings, weights)
        ranked = sorted(fused, key=fused.get, reverse=True)[: depth * 3]
        missing = [pid for pid in ranked if pid not in texts]
        for pid, (text, meta) in self.store.passages_by_id(missing).items():
            texts[pid], metas[pid] = text, meta
        seen.update((pid, metas[pid]) for pid in ranked if pid in metas)
        top = one_copy_per_story([pid for pid in ranked if pid in texts], metas)[:depth]
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
        ], same

    @staticmethod
    def _boilerplate(index: LexicalIndex, passage_id: str) -> bool:
        position = index.position(passage_id)
        return position is not None and bool(index.boilerplate[position] >= BOILERPLATE)

    def _best_sentences(self, vector: np.ndarray, candidates: list[str], texts: dict[str, str],
                        metas: dict[str, dict]) -> dict[str, float]:
        """The best sentence similarity of each candidate passage (the passage rows carry their
        sentences' vectors; those not read yet are read here), best first, ``candidates`` long.
        A sentence matches a question's clause that a whole passage's vector dilutes, but
        searching every sentence would need a vector index over all of them (docs/experiments.md,
        "Sentence vectors")."""
        wanted = list(dict.fromkeys(candidates))
        for pid, (text, meta) in self.store.passages_by_id([pid for pid in wanted if pid not in metas]).items():
            texts[pid], metas[pid] = text, meta
        query = vector / max(float(np.linalg.norm(vector)), 1e-12)
        best = {}
        for pid in wanted:
            if pid in metas:
                sims = sentence_vectors(metas[pid]) @ query
                if len(sims):
                    best[pid] = float(sims.max())
        return dict(sorted(best.items(), key=lambda item: -item[1])[: self.candidates])

    def _dense(self, allowed: np.ndarray | None, vector: np.ndarray, index: LexicalIndex, deep: _Deep):
        """Dense candidates among the allowed passages: (texts, metadatas, passage similarity,
        and the best sentence similarity per passage when every allowed passage was scored,
        else None), keyed by passage id."""
        texts: dict[str, str] = {}
        metas: dict[str, dict] = {}
        dense: dict[str, float] = {}
        if allowed is None:  # unfiltered: LangChain's Chroma vector store
            for doc, distance in self.store.vectorstore().similarity_search_by_vector_with_relevance_scores(
                vector.tolist(), k=self.candidates
            ):
                texts[doc.id], metas[doc.id], dense[doc.id] = doc.page_content, doc.metadata, 1.0 - distance
        else:
            count = int(allowed.sum())
            if count <= EXACT:
                return self._exact(np.flatnonzero(allowed), vector, index)
            depth = int(min(deep.limit, max(DEEP, 2 * self.candidates * len(allowed) / count)))

            def kept(pid: str) -> bool:
                position = index.position(pid)  # None: written after this index was read
                return position is not None and bool(allowed[position])

            for pid, text, meta, sim in zip(*deep.get(PASSAGES, depth)):
                if len(dense) < self.candidates and kept(pid):
                    texts[pid], metas[pid], dense[pid] = text, meta, sim
        return texts, metas, dense, None

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
        best = np.array([max((sentence_vectors(meta) @ query).tolist() or [-1.0]) for meta in p_metas], np.float32)
        sentence_best = {p_ids[i]: float(best[i]) for i in _top(best, self.candidates) if best[i] > -1.0}
        metas.update((p_ids[i], p_metas[i]) for i in _top(best, self.candidates))
        return {}, metas, dense, sentence_best

    def _lexical(self, index: LexicalIndex, scores: np.ndarray, allowed: np.ndarray | None) -> dict[str, float]:
        """The best BM25 candidates among the allowed passages (``scores``, one per passage,
        computed on ``index``: the same object, so positions match)."""
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
