"""Wiring (settings -> embedder, store) and the one answer path: ``stream_answer`` yields
events, ``answer`` consumes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from app import extractive
from app.config import Settings, go_offline, load_settings
from app.embeddings import make_embedder
from app.errors import EmptyStoreError
from app.outlets import unknown_outlets
from app.retrieve import HybridRetriever
from app.store import NewsStore
from app.timeexpr import question_range
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
    """Two runnables: question -> {question, passages}, then -> {..., citations, closest,
    abstained, missing_outlets}."""
    retriever = HybridRetriever(store=store, k=k, candidates=max(settings.candidates, k), filters=filters)

    def pick(state: dict) -> dict:
        scored = extractive.score_sentences(state["question"], state["passages"], store)
        best = scored[0].score if scored else 0.0
        missing = unknown_outlets(state["question"], store.sources())
        if missing or best < settings.abstain_below:
            closest = extractive.to_citations(scored[:3], store)
            return {**state, "citations": [], "closest": closest, "abstained": True, "missing_outlets": missing}
        chosen = extractive.select(scored, settings.max_citations)
        return {**state, "citations": extractive.to_citations(chosen, store), "closest": [], "abstained": False}

    retrieval = RunnablePassthrough.assign(passages=(lambda s: s["question"]) | retriever | RunnableLambda(_hits))
    return retrieval, RunnableLambda(pick)


def time_filters(question: str, filters: dict | None, reference: date) -> tuple[dict, dict | None]:
    """Filters with the question's own time range added (unless the caller set dates), and that
    range as the ``Answer`` reports it."""
    filters = dict(filters or {})
    found = question_range(question, reference)
    if found is None:
        return filters, None
    shown = {"text": found.text, **found.as_filters(), "reference_date": reference.isoformat(), "applied": False}
    if "since" in filters or "until" in filters:
        return filters, shown  # dates chosen by the caller win over words in the question
    return {**filters, **found.as_filters()}, {**shown, "applied": True}


def stream_answer(
    question: str, k: int | None = None, filters: dict | None = None,
    store: str | Path | None = None, settings: Settings | None = None, reference_date: date | None = None,
) -> Iterator[dict]:
    """Events: ``retrieval`` (passages), ``token`` (answer text pieces), ``citations``, ``answer``.

    A time expression in the question ("last week", "im Oktober 2025") becomes a date filter,
    resolved against ``reference_date`` (default: today); when nothing matches inside that
    range, the search runs again without it and the ``Answer`` says so."""
    settings = settings or load_settings(store=store)
    question = (question or "").strip()
    if not question:
        raise ValueError("The question is empty: ask something about the stored articles.")
    news = open_store(settings)
    if news.count() == 0:
        raise EmptyStoreError(news.label)
    k = k or settings.k
    searched, time_range = time_filters(question, filters, reference_date or date.today())
    retrieval, pick = build_chain(news, settings, k, searched)
    state = retrieval.invoke({"question": question})
    if not state["passages"] and time_range and time_range["applied"]:
        time_range["applied"] = False  # nothing published in that range: search everything
        retrieval, pick = build_chain(news, settings, k, filters)
        state = retrieval.invoke({"question": question})
    yield {"type": "retrieval", "passages": state["passages"], "time_range": time_range}
    state = pick.invoke(state)
    if state["abstained"]:
        text = extractive.abstention_text(question, state["closest"], len(state["passages"]),
                                          state.get("missing_outlets", []))
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
            time_range=time_range,
        ),
    }


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == len(words) - 1 else word + " "


def answer(
    question: str, k: int | None = None, filters: dict | None = None,
    store: str | Path | None = None, settings: Settings | None = None, reference_date: date | None = None,
) -> Answer:
    """Answer a question from the stored articles, citing verbatim sentences."""
    final = None
    for event in stream_answer(question, k=k, filters=filters, store=store, settings=settings,
                               reference_date=reference_date):
        if event["type"] == "answer":
            final = event["answer"]
    return final
