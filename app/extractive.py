"""The default answerer: picks the stored sentences that answer the question, or abstains."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.lexical import tokenize
from app.prompts import render
from app.store import NewsStore
from app.types import Citation, Hit

LEXICAL_WEIGHT = 0.35  # weight of question-term overlap beside the cosine similarity
RANK_PRIOR = 0.05  # bonus for sentences of the best-ranked passages, fading with rank
NEAR_REPEAT = 0.92  # cosine above which two sentences say the same thing
EXTRA_MARGIN = 0.04  # further sentences are cited when this close to the best one
_NUMBER_QUESTION = re.compile(
    r"\b(how (many|much|old|long|far)|what (percentage|share|number|amount)|wie (viele?|alt|lange|weit|hoch)"
    r"|wieviele?)\b", re.IGNORECASE
)
_HAS_NUMBER = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?"
    r"|billions?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|tausend|million"
    r"|milliarde)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Scored:
    sentence_id: str
    text: str
    meta: dict
    score: float
    vector: np.ndarray


def overlap(question_tokens: set[str], sentence: str) -> float:
    """Share of the question's content words found in the sentence."""
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(sentence))) / len(question_tokens)


def score_sentences(question: str, hits: list[Hit], store: NewsStore, read: int = 5) -> list[Scored]:
    """Score every sentence of the top ``read`` passages against the question."""
    order = {sid: rank for rank, hit in enumerate(hits[:read]) for sid in hit.sentence_ids}
    ids, texts, metas, vectors = store.sentences(list(order))
    if not ids:
        return []
    qvec = store.embedder.embed_query(question)
    cosine = vectors @ qvec
    qtokens = set(tokenize(question))
    wants_number = bool(_NUMBER_QUESTION.search(question))
    scored = []
    for sid, text, meta, vec, cos in zip(ids, texts, metas, vectors, cosine):
        score = float(cos) + LEXICAL_WEIGHT * overlap(qtokens, text) + RANK_PRIOR / (1 + order[sid])
        if wants_number and not _HAS_NUMBER.search(text):
            continue  # a "how many" question is not answered by a sentence without a number
        scored.append(Scored(sid, text, meta, score, vec))
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def select(scored: list[Scored], max_citations: int) -> list[Scored]:
    """The best sentence, plus close runners-up from other passages that are not repeats."""
    if not scored:
        return []
    chosen = [scored[0]]
    for cand in scored[1:]:
        if len(chosen) >= max_citations or cand.score < scored[0].score - EXTRA_MARGIN:
            break
        if any(float(cand.vector @ c.vector) > NEAR_REPEAT for c in chosen):
            continue
        if any(cand.meta.get("passage_id") == c.meta.get("passage_id") for c in chosen):
            continue
        chosen.append(cand)
    # reading order: by article, then position in the article
    return sorted(chosen, key=lambda s: (s.meta["article_id"], s.meta["index"]))


def to_citations(chosen: list[Scored], store: NewsStore) -> list[Citation]:
    articles = store.articles(s.meta["article_id"] for s in chosen)
    citations = []
    for n, item in enumerate(chosen, 1):
        art = articles.get(item.meta["article_id"])
        citations.append(
            Citation(
                n=n, sentence=item.text, sentence_id=item.sentence_id, article_id=item.meta["article_id"],
                title=art.title if art else "", source=art.source if art else "", url=art.url if art else "",
                published=art.published if art else "", language=art.language if art else "",
                score=item.score, start=int(item.meta["start"]), end=int(item.meta["end"]),
            )
        )
    return citations


def compose(citations: list[Citation]) -> str:
    return " ".join(f"{c.sentence} [{c.n}]" for c in citations)


def abstention_text(question: str, closest: list[Citation], n_passages: int, missing_outlets: list[str]) -> str:
    if missing_outlets:
        text = render("no_such_outlet", question=question, outlets=", ".join(missing_outlets))
    else:
        text = render("abstention", question=question, searched=f"{n_passages} passages")
    if closest:
        text += " The closest sentences are listed below; they do not answer it."
    return text
