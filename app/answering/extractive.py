"""The default answerer: picks the stored sentences that answer the question, or abstains."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.answering.answertype import AnswerType, answer_span, answer_type, holds
from app.answering.bridge import mention
from app.answering.prompts import render
from app.store import NewsStore
from app.text.analysis import term_sets, tokenize
from app.text.language import question_language
from app.types import Citation, Hit

LEXICAL_WEIGHT = 0.35  # weight of question-term overlap beside the cosine similarity
# Bonus for sentences of the best-ranked passages, fading with rank. 0.05 until passages joined
# paragraphs; since, XQuAD en->de citation recall is 0.843 with 0.05, 0.861 with 0.02, 0.868 with 0
# (but precision 0.668 against 0.694).
RANK_PRIOR = 0.02
NEAR_REPEAT = 0.92  # cosine above which two sentences say the same thing
EXTRA_MARGIN = 0.04  # further sentences are cited when this close to the best one
CONTEXT_WEIGHT = 0.15  # for question words found not in the sentence but in its article's title, place, outlet
TYPE_BONUS = 0.15  # for a sentence holding the kind of thing the question asks for ("which decree")
BRIDGE_BONUS = 0.10  # for a sentence naming the entity a multi-report question asks for (app.answering.bridge)
OFF_TOPIC = 0.3  # taken from a sentence whose report names none of the places the question names
_NAME = re.compile(r"(?<=\S\s)[A-ZÄÖÜ][\w-]+")  # a capitalised word that does not open the question


@dataclass(frozen=True)
class Scored:
    sentence_id: str
    text: str
    meta: dict
    score: float
    vector: np.ndarray
    typed: bool = False  # holds the kind of thing the question asks for
    span: tuple[int, int] | None = None  # where, in the sentence
    names_bridge: bool = False  # names in full the entity a multi-report question asks for


def _article_words(store: NewsStore, article_ids: set[str]) -> tuple[dict[str, set[str]], set[str]]:
    """Words of each article's title, place and outlet ("Passau" in a question counts for a
    sentence of the Passau report even when the sentence does not repeat the name), and the words
    of all their datelines' places."""
    found = store.articles(article_ids)
    words = {i: set(tokenize(" ".join((a.title, a.place, a.source)), a.language)) for i, a in found.items()}
    return words, {term for a in found.values() for term in tokenize(a.place, a.language)}


def score_sentences(question: str, hits: list[Hit], store: NewsStore, read: int = 5,
                    bridge: str | None = None) -> list[Scored]:
    """Score every sentence of the top ``read`` passages against the question; with a
    ``bridge`` entity (app.answering.bridge), sentences naming it gain and have it marked."""
    # the top passages, and further ones that name the bridge (it was read off the top 10)
    kept = [hit for rank, hit in enumerate(hits) if rank < read or (bridge and mention(bridge, hit.text))]
    order = {sid: rank for rank, hit in enumerate(kept) for sid in hit.sentence_ids}
    ids, texts, metas, vectors = store.sentences(list(order))
    if not ids:
        return []
    qvec = store.embedder.embed_query(question)
    cosine = vectors @ qvec
    languages = sorted({m.get("language") or "" for m in metas})
    asked = term_sets(question, question_language(question, [*languages, "en"]), languages)
    context, places = _article_words(store, {m["article_id"] for m in metas})
    # places the question names that a candidate report is datelined from ("in Passau"): a sentence
    # from a report that names none of them is about somewhere else
    named = set().union(*term_sets(" ".join(_NAME.findall(question)), "", languages))
    anchors = named & places
    wanted = answer_type(question)
    scored = []
    for sid, text, meta, vec, cos in zip(ids, texts, metas, vectors, cosine):
        words = set(tokenize(text, meta.get("language", "")))  # tokenised once for both word terms
        share, around = max(len(asked), 1), context.get(meta["article_id"], set())
        found = sum(1 for terms in asked if terms & words)
        elsewhere = sum(1 for terms in asked if not terms & words and terms & around)
        score = (float(cos) + LEXICAL_WEIGHT * found / share + CONTEXT_WEIGHT * elsewhere / share
                 + RANK_PRIOR / (1 + order[sid]))
        if anchors and not anchors & (words | context.get(meta["article_id"], set())):
            score -= OFF_TOPIC
        if wanted is AnswerType.NUMBER and not holds(wanted, text):
            continue  # a "how many" question is not answered by a sentence without a number
        typed = wanted is not None and wanted is not AnswerType.NUMBER and holds(wanted, text)
        span = answer_span(wanted, text)
        full = mention(bridge, text, in_full=True) if bridge else None
        named = full or (mention(bridge, text) if bridge else None)  # "Bankman-Fried" counts half
        bonus = BRIDGE_BONUS if full else BRIDGE_BONUS / 2 if named else 0.0
        scored.append(Scored(sid, text, meta, score + TYPE_BONUS * typed + bonus, vec, typed, span or named,
                             bool(full)))
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def select(scored: list[Scored], max_citations: int, outlets: list[list[str]] = ()) -> list[Scored]:
    """The best sentence, plus close runners-up from other passages that are not repeats; when
    the question names several outlets, also the best sentence of each named outlet (one
    sentence per report the question asks about)."""
    if not scored:
        return []
    chosen = [scored[0]]
    for cand in scored[1:]:
        if len(chosen) >= max_citations or cand.score < scored[0].score - EXTRA_MARGIN:
            break
        if scored[0].typed and not cand.typed:
            continue  # the best sentence names the decree asked for; the others must too
        if any(float(cand.vector @ c.vector) > NEAR_REPEAT for c in chosen):
            continue
        if any(cand.meta.get("passage_id") == c.meta.get("passage_id") for c in chosen):
            continue
        chosen.append(cand)
    for sources in outlets if len(outlets) > 1 else ():
        if len(chosen) >= max_citations or any(c.meta.get("source") in sources for c in chosen):
            continue
        chosen += [s for s in scored if s.meta.get("source") in sources][:1]
    if not any(c.names_bridge for c in chosen):  # the entity asked for must be in the answer
        naming = [s for s in scored if s.names_bridge][:1]
        chosen = (chosen[: max_citations - 1] + naming) if naming else chosen
    # reading order: by article, then position in the article
    return sorted(chosen, key=lambda s: (s.meta["article_id"], s.meta["index"]))


def to_citations(chosen: list[Scored], store: NewsStore) -> list[Citation]:
    articles = store.articles(s.meta["article_id"] for s in chosen)
    copies = store.copies(a.group for a in articles.values()) if articles else {}
    citations = []
    for n, item in enumerate(chosen, 1):
        art = articles.get(item.meta["article_id"])
        citations.append(
            Citation(
                n=n, sentence=item.text, sentence_id=item.sentence_id, article_id=item.meta["article_id"],
                title=art.title if art else "", source=art.source if art else "", url=art.url if art else "",
                published=art.published if art else "", language=art.language if art else "",
                score=item.score, start=int(item.meta["start"]), end=int(item.meta["end"]), span=item.span,
                also_reported_by=_other_outlets(art, copies), page=int(item.meta.get("page") or 0),
            )
        )
    return citations


def _other_outlets(article, copies: dict) -> tuple[str, ...]:
    if article is None:
        return ()
    others = {a.source for a in copies.get(article.group, []) if a.id != article.id and a.source}
    return tuple(sorted(others - {article.source}))


def compose(citations: list[Citation]) -> str:
    return " ".join(f"{c.sentence} [{c.n}]" for c in citations)


def abstention_text(question: str, closest: list[Citation], n_passages: int, missing_outlets: list[str],
                    unknown_names: list[str] = ()) -> str:
    if missing_outlets:
        text = render("no_such_outlet", question=question, outlets=", ".join(missing_outlets))
    elif unknown_names:
        text = render("no_such_name", question=question, names=", ".join(f'"{n}"' for n in unknown_names))
    else:
        text = render("abstention", question=question, searched=f"{n_passages} passages")
    if closest:
        text += " The closest sentences are listed below; they do not answer it."
    return text
