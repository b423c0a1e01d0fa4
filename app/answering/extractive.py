"""The default answerer: picks the stored sentences that answer the question, or abstains.

Each sentence of the top passages scores by its similarity to the question, the question's words
it holds (weighted by how rarely they occur in the sentences of its report: words every sentence
repeats name the topic, the others what is asked) and those its neighbours, title or dateline
hold; a sentence holding a phrase of the kind the question asks for (``asked.py``, ``candidates.py``)
gains, and that phrase becomes the short answer. A question in another script than its sentences
is also weighed by the rescorer's model. Weights and what they did: docs/experiments.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.answering.asked import Asked, asked_in
from app.answering.bridge import mention
from app.answering.candidates import answers, bound, measured, other_year
from app.answering.prompts import render
from app.answering.spans import Kind, Span
from app.answering.unknown import says_unknown
from app.retrieval.rescore import Rescorer
from app.store import NewsStore
from app.text.analysis import term_sets, tokenize
from app.text.language import question_language, script
from app.types import Citation, Hit

LEXICAL_WEIGHT = 0.35  # weight of question-term overlap beside the cosine similarity
RANK_PRIOR = 0.02  # for sentences of the best-ranked passages, fading with rank
NEAR_REPEAT = 0.92  # cosine above which two sentences say the same thing
EXTRA_MARGIN = 0.04  # further sentences are cited when this close to the best one
CONTEXT_WEIGHT = 0.15  # for question words found not in the sentence but beside it: neighbours, title, place
# For a sentence holding the kind of thing the question asks for, times the share of the scored
# sentences that hold none: where every sentence holds a name, holding one says little.
TYPE_BONUS = 0.3
BOUND_BONUS = 0.1  # more when the sentence ties that phrase to what is asked (candidates.bound)
BRIDGE_BONUS = 0.10  # for a sentence naming the entity a multi-report question asks for (app.answering.bridge)
REPORT_REACH = 0.2  # how much less close to the question a report may be and still count as about it
OFF_TOPIC = 0.3  # taken from a sentence whose report names none of the places the question names
# Kinds that a pattern finds wherever they are written (numbers, dates): a sentence holding none
# does not answer, however close to the question, while a report about the question holds one.
TYPED_FIRST = frozenset({Kind.DATE, Kind.DURATION, Kind.COUNT, Kind.NUMBER, Kind.MONEY, Kind.PERCENT})
READ = 5  # top passages whose sentences are scored
# Asked in another script than the sentences' (English over Chinese, Arabic, Russian), a question
# shares few words with them and USE-m3's cosine alone tells them apart, weakly; the rescorer's model
# (multilingual-e5) has read them to re-rank their passages. Its cosine, less the best sentence's,
# counts this much. Within a script it costs reader questions more than it gains: it prefers a
# report's lead (docs/experiments.md, "Cross-lingual rescoring").
RESCORER_WEIGHT = 8.0
_NAME = re.compile(r"(?<=\S\s)[A-ZÄÖÜ][\w-]+")  # a capitalised word that does not open the question


@dataclass(frozen=True)
class Scored:
    sentence_id: str
    text: str
    meta: dict
    score: float
    vector: np.ndarray
    relevance: float = 0.0  # the score before the bonuses for holding what was asked or the bridge
    typed: bool = False  # holds the kind of thing the question asks for, in a report about the question
    span: tuple[int, int] | None = None  # the phrase that answers, in the sentence
    names_bridge: bool = False  # names in full the entity a multi-report question asks for
    unknown: bool = False  # says that what the question asks is not known

    @property
    def short(self) -> str:
        return self.text[self.span[0] : self.span[1]] if self.span else ""


@dataclass(frozen=True)
class Scoring:
    """What the answerer made of a question: its sentences, best first, and what was asked."""

    sentences: list[Scored]
    asked: Asked
    typed_possible: bool  # every scored sentence is in a script where the asked kind can be seen
    measure_missing: bool = False  # a measure was asked ("how bright") and no sentence holds one of it

    @property
    def best(self) -> float:
        """How close the closest sentence is to the question (the abstention threshold's measure)."""
        return max((s.relevance for s in self.sentences), default=0.0)


def _article_words(store: NewsStore, article_ids: set[str]) -> tuple[dict[str, set[str]], set[str]]:
    """Words of each article's title, place and outlet ("Passau" in a question counts for a
    sentence of the Passau report even when the sentence does not repeat the name), and the words
    of all their datelines' places."""
    found = store.articles(article_ids)
    words = {i: set(tokenize(" ".join((a.title, a.place, a.source)), a.language)) for i, a in found.items()}
    return words, {term for a in found.values() for term in tokenize(a.place, a.language)}


def _focus_weights(asked_terms: list[frozenset[str]], words: list[set[str]], metas: list[dict]) -> list[list[float]]:
    """Per sentence, a weight per question word: rare in the sentences of the sentence's report
    (what is asked) weighs more than frequent (the report's topic, repeated everywhere)."""
    per_article: dict[str, list[int]] = {}
    for i, meta in enumerate(metas):
        per_article.setdefault(meta["article_id"], []).append(i)
    weights: list[list[float]] = [[]] * len(metas)
    for members in per_article.values():
        df = Counter(j for i in members for j, terms in enumerate(asked_terms) if terms & words[i])
        row = [math.log(1 + (len(members) + 1) / (1 + df[j])) for j in range(len(asked_terms))]
        for i in members:
            weights[i] = row
    return weights


def _neighbours(metas: list[dict]) -> list[list[int]]:
    """Positions of the sentences just before and after each one in its report, when scored too."""
    at = {(m["article_id"], int(m["index"])): i for i, m in enumerate(metas)}
    return [[at[key] for key in ((m["article_id"], int(m["index"]) - 1), (m["article_id"], int(m["index"]) + 1))
             if key in at] for m in metas]


def score_sentences(question: str, hits: list[Hit], store: NewsStore, read: int = READ,
                    bridge: str | None = None, rescorer: Rescorer | None = None) -> Scoring:
    """Score every sentence of the top ``read`` passages against the question; with a
    ``bridge`` entity (app.answering.bridge), sentences naming it gain and have it marked; with
    the ``rescorer``, a question asked in another script is also weighed by its model."""
    # the top passages, and further ones that name the bridge (it was read off the top 10)
    kept = [hit for rank, hit in enumerate(hits) if rank < read or (bridge and mention(bridge, hit.text))]
    order = {sid: rank for rank, hit in enumerate(kept) for sid in hit.sentence_ids}
    ids, texts, metas, vectors = store.sentences_of([hit.passage_id for hit in kept])
    wanted = asked_in(question)
    if not ids:
        return Scoring([], wanted, False)
    languages = sorted({m.get("language") or "" for m in metas})
    asked_terms = term_sets(question, question_language(question, [*languages, "en"]), languages)
    words = [set(tokenize(text, meta.get("language", ""), parts=True)) for text, meta in zip(texts, metas)]
    relevance = _relevance(question, asked_terms, store, vectors, metas, words, [order[i] for i in ids], languages)
    second = np.zeros(len(ids), np.float32)  # the rescorer's say, 0 for its best sentence
    asked_script = script(question)
    if rescorer is not None and sum(script(text) != asked_script for text in texts) > len(texts) / 2:
        sims = rescorer.similarities(question, texts)
        second = RESCORER_WEIGHT * (sims - sims.max())
    # no candidates where the asked kind cannot be seen (names in Chinese or Arabic script: a
    # Latin "NFL" there is the one capitalised word, not the answer)
    visible = [wanted.visible_in(text, meta.get("language", "")) for text, meta in zip(texts, metas)]
    spans = [answers(wanted, text, meta.get("language", ""), question) if seen and not other_year(text, question)
             else [] for text, meta, seen in zip(texts, metas, visible)]
    # "how bright": a brightness, else any measure, not a count
    dimension = next((what for what in (wanted.measure, "") if wanted.measure
                      and any(measured(s, what) for found in spans for s in found)), None)
    if dimension is not None:
        spans = [[s for s in found if measured(s, dimension)] for found in spans]
    type_bonus = TYPE_BONUS * sum(not found for found in spans) / len(spans)
    about = _about(metas, relevance)  # only sentences of the reports about the question gain
    spans = [found if meta["article_id"] in about else [] for found, meta in zip(spans, metas)]
    scored = []
    for i, (sid, text, meta, vec) in enumerate(zip(ids, texts, metas, vectors)):
        language = meta.get("language", "")
        full = mention(bridge, text, in_full=True) if bridge else None
        named = full or (mention(bridge, text) if bridge else None)  # "Bankman-Fried" counts half
        bonus = BRIDGE_BONUS if full else BRIDGE_BONUS / 2 if named else 0.0
        tied = [s for s in spans[i] if bound(s, text, wanted, asked_terms, language)]
        span = named or (_nearest(tied or spans[i], text, asked_terms, language) if spans[i] else None)
        bonus += type_bonus * bool(spans[i]) + BOUND_BONUS * bool(tied)
        near = float(relevance[i])
        scored.append(Scored(sid, text, meta, near + bonus + float(second[i]), vec, near, bool(spans[i]), span,
                             bool(full), says_unknown(text)))
    typed_first = wanted.kind in TYPED_FIRST and any(s.typed for s in scored)  # the best typed sentence first
    scored.sort(key=lambda s: (typed_first and not s.typed, -s.score))
    return Scoring(scored, wanted, wanted.kind is not None and all(visible),
                   bool(wanted.measure) and dimension != wanted.measure)


def _about(metas: list[dict], relevance: np.ndarray) -> frozenset[str]:
    """The reports about the question: their closest sentence is within ``REPORT_REACH`` of the
    closest of all (an amount or a name in a report on something else answers nothing)."""
    closest: dict[str, float] = {}
    for meta, near in zip(metas, relevance):
        closest[meta["article_id"]] = max(closest.get(meta["article_id"], -1.0), float(near))
    top = max(closest.values())
    return frozenset(article for article, near in closest.items() if near >= top - REPORT_REACH)


def _relevance(question: str, asked_terms: list[frozenset[str]], store: NewsStore, vectors: np.ndarray,
               metas: list[dict], words: list[set[str]], ranks: list[int], languages: list[str]) -> np.ndarray:
    """How close each sentence is to the question: its similarity, the question's words it holds
    and those found beside it (its neighbours, its report's title, place and outlet), each word
    weighted by its focus (``_focus_weights``); a little for better-ranked passages; less for a
    report from elsewhere than the place the question names."""
    cosine = vectors @ store.embedder.embed_query(question)
    context, places = _article_words(store, {m["article_id"] for m in metas})
    # places the question names that a candidate report is datelined from ("in Passau"): a sentence
    # from a report that names none of them is about somewhere else
    anchors = set().union(*term_sets(" ".join(_NAME.findall(question)), "", languages)) & places
    weights = _focus_weights(asked_terms, words, metas)
    beside = _neighbours(metas)
    scores = np.zeros(len(metas), np.float32)
    for i, meta in enumerate(metas):
        around = context.get(meta["article_id"], set()) | set().union(*(words[j] for j in beside[i]))
        held = beside_it = 0.0  # focus weights of the question words in the sentence, and beside it
        for weight, terms in zip(weights[i], asked_terms):
            if terms & words[i]:
                held += weight
            elif terms & around:
                beside_it += weight
        lexical = (LEXICAL_WEIGHT * held + CONTEXT_WEIGHT * beside_it) / (sum(weights[i]) or 1.0)
        scores[i] = float(cosine[i]) + lexical + RANK_PRIOR / (1 + ranks[i])
        if anchors and not anchors & (words[i] | context.get(meta["article_id"], set())):
            scores[i] -= OFF_TOPIC
    return scores


def _nearest(spans: list[Span], text: str, asked_terms: list[frozenset[str]], language: str) -> tuple[int, int]:
    """The candidate phrase nearest the question's words in the sentence (the first when none is)."""
    hits = [m.start() for m in re.finditer(r"\w+", text)
            if any(set(tokenize(m.group(0), language)) & terms for terms in asked_terms)]
    if not hits:
        return spans[0].start, spans[0].end
    best = min(spans, key=lambda s: min(abs(s.start - h) if h < s.start else abs(h - s.end) for h in hits))
    return best.start, best.end


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
            continue  # the best sentence holds what was asked for; the others must too
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


def short_answer(chosen: list[Scored], citations: list[Citation]) -> tuple[str, int]:
    """The phrase that answers, as the best cited sentence writes it, with that citation's number
    ("", 0 when no cited sentence holds one)."""
    best = max((item for item in chosen if item.span), key=lambda item: item.score, default=None)
    if best is None:
        return "", 0
    number = next(c.n for c in citations if c.sentence_id == best.sentence_id)
    return best.short, number


def compose(citations: list[Citation], short: str = "", short_n: int = 0) -> str:
    """The answer text: the short answer first when there is one, then the cited sentences."""
    sentences = " ".join(f"{c.sentence} [{c.n}]" for c in citations)
    return f"{short} [{short_n}]\n\n{sentences}" if short else sentences


def abstention_text(question: str, closest: list[Citation], n_passages: int, missing_outlets: list[str],
                    unknown_names: list[str] = (), unknown_fact: bool = False) -> str:
    if missing_outlets:
        text = render("no_such_outlet", question=question, outlets=", ".join(missing_outlets))
    elif unknown_names:
        text = render("no_such_name", question=question, names=", ".join(f'"{n}"' for n in unknown_names))
    elif unknown_fact:
        return render("not_known", question=question)
    else:
        text = render("abstention", question=question, searched=f"{n_passages} passages")
    if closest:
        text += " The closest sentences are listed below; they do not answer it."
    return text
