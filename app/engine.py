"""Wiring (settings -> embedder, store) and the one answer path: ``stream_answer`` yields
events, ``answer`` consumes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from app import extractive
from app.config import Settings, go_offline, load_settings
from app.embeddings import make_embedder
from app.errors import EmptyStoreError
from app.retrieve import HybridRetriever
from app.store import NewsStore
from app.types import Answer, Hit

_stores: dict[tuple[str, str], NewsStore] = {}
_lock = threading.Lock()


def open_store(settings: Settings) -> NewsStore:
    """One store (and embedder) per path and model in this process, opened on first use."""
    go_offline()
    key = (str(Path(settings.store).resolve()), settings.embedder)
    with _lock:
        if key not in _stores:
            _stores[key] = NewsStore.open(Path(settings.store), make_embedder(settings.embedder))
        return _stores[key]


def _hits(docs) -> list[Hit]:
    return [
        Hit(passage_id=d.id, article_id=d.metadata["article_id"], text=d.page_content,
            score=d.metadata["score"], dense=d.metadata["dense"], lexical=d.metadata["lexical"],
            sentence_ids=tuple(d.metadata["sentence_ids"]))
        for d in docs
    ]


def build_chain(store: NewsStore, settings: Settings, k: int, filters: dict | None):
    """question -> {question, passages} -> {question, passages, scored, citations, abstained}."""
    retriever = HybridRetriever(store=store, k=k, candidates=max(settings.candidates, k), filters=filters)

    def pick(state: dict) -> dict:
        scored = extractive.score_sentences(state["question"], state["passages"], store)
        best = scored[0].score if scored else 0.0
        if best < settings.abstain_below:
            closest = extractive.to_citations(scored[:3], store)
            return {**state, "citations": [], "closest": closest, "abstained": True}
        chosen = extractive.select(scored, settings.max_citations)
        return {**state, "citations": extractive.to_citations(chosen, store), "closest": [], "abstained": False}

    retrieval = RunnablePassthrough.assign(passages=(lambda s: s["question"]) | retriever | RunnableLambda(_hits))
    return retrieval, RunnableLambda(pick)


def stream_answer(
    question: str, k: int | None = None, filters: dict | None = None,
    store: str | Path | None = None, settings: Settings | None = None,
) -> Iterator[dict]:
    """Events: ``retrieval`` (passages), ``token`` (answer text pieces), ``citations``, ``answer``."""
    settings = settings or load_settings(store=store)
    question = (question or "").strip()
    if not question:
        raise ValueError("The question is empty: ask something about the stored articles.")
    news = open_store(settings)
    if news.count() == 0:
        raise EmptyStoreError(news.label)
    k = k or settings.k
    retrieval, pick = build_chain(news, settings, k, filters)
    state = retrieval.invoke({"question": question})
    yield {"type": "retrieval", "passages": state["passages"]}
    state = pick.invoke(state)
    if state["abstained"]:
        text = extractive.abstention_text(question, state["closest"], len(state["passages"]))
    else:
        text = extractive.compose(state["citations"])
    for piece in _pieces(text):
        yield {"type": "token", "text": piece}
    yield {"type": "citations", "citations": state["citations"], "closest": state["closest"]}
    yield {
        "type": "answer",
        "answer": Answer(
            question=question, answer=text, abstained=state["abstained"], citations=state["citations"],
            passages=state["passages"], filters=dict(filters or {}), closest=state["closest"],
        ),
    }


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == len(words) - 1 else word + " "


def answer(
    question: str, k: int | None = None, filters: dict | None = None,
    store: str | Path | None = None, settings: Settings | None = None,
) -> Answer:
    """Answer a question from the stored articles, citing verbatim sentences."""
    final = None
    for event in stream_answer(question, k=k, filters=filters, store=store, settings=settings):
        if event["type"] == "answer":
            final = event["answer"]
    return final
