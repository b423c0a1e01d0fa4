"""When the answer is "the stored reports don't say", and why: every abstention rule in one place.

In order: the question attributes a report to an outlet the store lacks (``outlets.py``); it names
someone or something no stored passage mentions (``coverage.py``); the report that speaks of it
says the fact is not known (``unknown.py``); it asks for a kind of thing (an amount, a date, a
person) that no candidate sentence holds; or no sentence is even close (the embedder's
``abstain_below``). None of them fires on a question's wording alone: each looks at what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.answering.coverage import checked as coverage_checked
from app.answering.coverage import uncovered_names
from app.answering.extractive import Scored, Scoring
from app.answering.spans import Kind
from app.retrieval.outlets import unknown_outlets
from app.store.lexical import LexicalIndex
from app.types import Hit

# Kinds whose absence from every candidate sentence means no report says: amounts. A date is often
# written as an event or a period ("after the war"), a person, place or thing as a common noun
# ("the states and governments").
REFUSED_KINDS = (Kind.COUNT, Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.DURATION)
NOT_KNOWN_MARGIN = 0.05  # how much closer the "not known" sentence must be than any other
NOT_KNOWN_READ = 3  # the closest sentences read for one when none holds what was asked


@dataclass(frozen=True)
class Refusal:
    reason: str  # "outlet", "name", "not_known", "kind" or "score"
    missing_outlets: list[str] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)
    cited: Scored | None = None  # the sentence saying the fact is not known


def refusal(question: str, scoring: Scoring, hits: list[Hit], index: LexicalIndex, outlets: list[str],
            threshold: float) -> Refusal | None:
    """Why the stored reports do not answer ``question`` (None when they may)."""
    missing = unknown_outlets(question, outlets)
    if missing:
        return Refusal("outlet", missing_outlets=missing)
    language = coverage_checked(question, hits, index)
    unknown = uncovered_names(question, index, outlets, language) if language else []
    if unknown:
        return Refusal("name", unknown_names=unknown)
    if scoring.best < threshold:
        return Refusal("score")
    ranked = sorted(scoring.sentences, key=lambda s: s.relevance, reverse=True)
    none_of_kind = (scoring.asked.kind in REFUSED_KINDS and scoring.typed_possible
                    and not any(s.typed for s in scoring.sentences))  # typed only in reports about it
    said = _not_known(ranked, none_of_kind)
    if said is not None:
        return Refusal("not_known", cited=said)
    if none_of_kind:
        return Refusal("kind")
    return None


def _not_known(ranked: list[Scored], none_of_kind: bool) -> Scored | None:
    """A sentence saying the fact is not known: among the closest few when no sentence holds what
    was asked, else only when it is the closest by a margin."""
    if none_of_kind:
        return next((s for s in ranked[:NOT_KNOWN_READ] if s.unknown), None)
    if not ranked or not ranked[0].unknown:
        return None
    if len(ranked) > 1 and ranked[1].relevance > ranked[0].relevance - NOT_KNOWN_MARGIN:
        return None
    return ranked[0]
