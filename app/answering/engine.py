"""Wiring (settings -> embedder, store) and the one answer path: ``stream_answer`` yields
events, ``answer`` consumes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from app.answering import extractive, generate
from app.answering.abstain import refusal
from app.answering.bridge import applies as bridge_applies
from app.answering.bridge import bridge_entity
from app.answering.followup import standalone
from app.answering.llm import make_chat_model
from app.config import Settings, go_offline, load_settings
from app.embeddings import make_embedder
from app.errors import EmptyStoreError
from app.retrieval.outlets import named_sources
from app.retrieval.rescore import Rescorer
from app.retrieval.retriever import HybridRetriever
from app.retrieval.timeexpr import question_range
from app.store import NewsStore
from app.types import Answer, Hit

_stores: dict[tuple[str, str], NewsStore] = {}
_models: dict[tuple[str, str], object] = {}
_lock = threading.Lock()


def open_store(settings: Settings) -> NewsStore:
    """One store (and embedder) per path and model in this process, opened on first use."""
    go_offline()
    key = (settings.chroma_url or str(Path(settings.store).resolve()), settings.embedder)
    with _lock:
        if key not in _stores:
            embedder = make_embedder(settings.embedder, settings.embed_threads)
            _stores[key] = (NewsStore.connect(settings.chroma_url, embedder, settings.cache) if settings.chroma_url
                            else NewsStore.open(Path(settings.store), embedder))
        _stores[key].write_wait = settings.write_wait
        return _stores[key]


def _hits(docs) -> list[Hit]:
    return [
        Hit(passage_id=d.id, article_id=d.metadata["article_id"], text=d.page_content,
            score=d.metadata["score"], dense=d.metadata["dense"], lexical=d.metadata["lexical"],
            sentence_ids=tuple(d.metadata["sentence_ids"]))
        for d in docs
    ]


def build_chain(store: NewsStore, settings: Settings, k: int, filters: dict | None, reference: date):
    """Two runnables: question -> {question, passages}, then -> {..., scored, citations,
    abstained, missing_outlets}."""
    rescorer = open_rescorer(settings)
    retriever = HybridRetriever(store=store, k=k, candidates=max(settings.candidates, k), filters=filters,
                                reference=reference, rescorer=rescorer, rescore=settings.rescore)

    def pick(state: dict) -> dict:
        question, stored = state["question"], store.sources()
        outlets = named_sources(question, stored)
        bridge = bridge_entity(question, state["passages"]) if bridge_applies(question, outlets) else None
        threshold = store.embedder.abstain_below if settings.abstain_below is None else settings.abstain_below
        index, hits = store.lexical_index(), state["passages"]
        scoring = extractive.score_sentences(question, hits, store, bridge=bridge, rescorer=rescorer)
        refused = refusal(question, scoring, hits, index, stored, threshold)
        # read every passage before answering "how bright" with a length or saying none holds what was
        # asked (without the rescorer, which has read only the top ones)
        if scoring.measure_missing or (refused is not None and refused.reason == "kind"):
            scoring = extractive.score_sentences(question, hits, store, read=len(hits), bridge=bridge)
            refused = refusal(question, scoring, hits, index, stored, threshold)
        if refused is not None:
            cited = extractive.to_citations([refused.cited], store) if refused.cited else []
            return {**state, "citations": cited, "abstained": True, "refusal": refused, "scored": scoring.sentences,
                    "short": ("", 0)}
        chosen = extractive.select(scoring.sentences, settings.max_citations, outlets)
        citations = extractive.to_citations(chosen, store)
        return {**state, "citations": citations, "abstained": False, "scored": scoring.sentences,
                "short": extractive.short_answer(chosen, citations)}

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


def open_rescorer(settings: Settings) -> Rescorer | None:
    """The second-stage rescorer (None when switched off), one per cache folder."""
    if settings.rescore == "off":
        return None
    key = ("rescore", str(settings.cache.expanduser()))
    with _lock:
        if key not in _models:
            _models[key] = Rescorer.bundled(settings.cache)
        return _models[key]


def open_model(settings: Settings):
    """The configured chat model (None for the extractive answerer), built once per setting."""
    key = (settings.llm, settings.openai_base_url or "")
    with _lock:
        if key not in _models:
            _models[key] = make_chat_model(settings)
        return _models[key]


def stream_answer(
    question: str, k: int | None = None, filters: dict | None = None,
    store: str | Path | None = None, settings: Settings | None = None, reference_date: date | None = None,
    history: list | None = None, chat_model=None,
) -> Iterator[dict]:
    """Events: ``retrieval`` (passages), ``token`` (answer text pieces), ``citations``, ``answer``.

    A time expression in the question ("last week", "im Oktober 2025") becomes a date filter,
    resolved against ``reference_date`` (default: today); when nothing matches inside that
    range, the search runs again without it and the ``Answer`` says so. ``history`` (earlier
    questions, or chat messages) makes a follow-up such as "And who signed it?" searchable.
    With an LLM (``settings.llm``, or a LangChain ``chat_model`` passed in), tokens are the model's
    raw output; the ``answer`` event holds the verified text."""
    settings = settings or load_settings(store=store)
    question = (question or "").strip()
    if not question:
        raise ValueError("The question is empty: ask something about the stored articles.")
    news = open_store(settings)
    if news.count() == 0:
        raise EmptyStoreError(news.label)
    model = chat_model if chat_model is not None else open_model(settings)
    query, condense_note = standalone(question, history, model)
    k = k or settings.k
    reference = reference_date or date.today()
    searched, time_range = time_filters(query, filters, reference)
    retrieval, pick = build_chain(news, settings, k, searched, reference)
    state = retrieval.invoke({"question": query})
    if not state["passages"] and time_range and time_range["applied"]:
        time_range["applied"] = False  # nothing published in that range: search everything
        retrieval, pick = build_chain(news, settings, k, filters, reference)
        state = retrieval.invoke({"question": query})
    yield {"type": "retrieval", "passages": state["passages"], "time_range": time_range}
    state = pick.invoke(state)
    result = {"citations": state["citations"], "abstained": state["abstained"], "answerer": "extractive",
              "note": "", "dropped": []}
    if not state["abstained"] and model is not None:
        result.update((yield from _generated(model, query, state["scored"][:settings.llm_evidence], news)))
    refused = state.get("refusal")
    short, short_n = state["short"] if result["answerer"] == "extractive" and not result["abstained"] else ("", 0)
    # the closest sentences are shown only with an abstention (a rule's or the model's), unless the
    # abstention cites the sentence that says the fact is not known
    not_known = refused is not None and refused.cited is not None
    closest = extractive.to_citations(state["scored"][:3], news) if result["abstained"] and not not_known else []
    if result["abstained"]:
        text = extractive.abstention_text(question, closest, len(state["passages"]),
                                          refused.missing_outlets if refused else [],
                                          refused.unknown_names if refused else [], not_known)
        result["citations"] = state["citations"] if not_known else []
        if result["citations"]:
            text += " " + extractive.compose(result["citations"])
    elif result["answerer"] == "extractive":
        text = extractive.compose(result["citations"], short, short_n)
    else:
        text = result["text"]
    if result["abstained"] or result["answerer"] == "extractive":  # else the model's tokens were the stream
        for piece in _pieces(text):
            yield {"type": "token", "text": piece}
    yield {"type": "citations", "citations": result["citations"], "closest": closest}
    yield {
        "type": "answer",
        "answer": Answer(
            question=question, answer=text, abstained=result["abstained"], citations=result["citations"], short=short,
            passages=state["passages"], filters=dict(filters or {}), closest=closest, time_range=time_range,
            answerer=_name(model) if result["answerer"] == "llm" else "extractive", query=query,
            note=" ".join(filter(None, (condense_note, result["note"]))), dropped=result["dropped"],
        ),
    }


def _generated(model, query: str, best: list, news: NewsStore):
    """Stream the model's answer over the best sentences as token events; return what the
    verification makes of it."""
    evidence = extractive.to_citations(best, news)
    raw = ""
    try:
        for piece in generate.stream_tokens(model, query, evidence):
            raw += piece
            yield {"type": "token", "text": piece}
    except Exception as err:  # a model or server failure must not lose the answer
        return _checked(None, f"The language model failed ({type(err).__name__}); this answer is extractive.")
    return _checked(generate.verify(raw, evidence), "")


def _name(model) -> str:
    """'llm:<model>' as the ``Answer`` reports its answerer."""
    for attr in ("model_name", "model", "model_path"):
        if isinstance(getattr(model, attr, None), str):
            return f"llm:{getattr(model, attr)}"
    return f"llm:{type(model).__name__}"


def _checked(verified, failure: str) -> dict:
    """What an LLM answer becomes after verification: itself, an abstention, or a fallback."""
    if failure:
        return {"note": failure}
    if verified.not_in_sources:
        return {"abstained": True, "answerer": "llm", "note": "The language model found no answer in the sources."}
    if not verified.citations:
        return {"note": "The language model's answer cited none of the given sentences; this answer is extractive.",
                "dropped": verified.dropped}
    return {"text": verified.text, "citations": verified.citations, "answerer": "llm", "dropped": verified.dropped}


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == len(words) - 1 else word + " "


def answer(
    question: str, k: int | None = None, filters: dict | None = None,
    store: str | Path | None = None, settings: Settings | None = None, reference_date: date | None = None,
    history: list | None = None, chat_model=None,
) -> Answer:
    """Answer a question from the stored articles, citing verbatim sentences."""
    final = None
    for event in stream_answer(question, k=k, filters=filters, store=store, settings=settings,
                               reference_date=reference_date, history=history, chat_model=chat_model):
        if event["type"] == "answer":
            final = event["answer"]
    return final
