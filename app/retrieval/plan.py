"""Planning the searches of one question: which outlets and days its clauses name, and so which
part of the store each of its searches looks in (a mask over the BM25 index's passages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from app.retrieval.outlets import named_sources
from app.retrieval.parts import clauses
from app.retrieval.timeexpr import TimeRange, resolve
from app.store import NewsStore
from app.store.lexical import LexicalIndex

CLAUSE_DEEP = 100  # a clause's restricted search reads only this deep (its BM25 side sees every kept
# passage): deeper clause searches triple the p50 latency at 800k sentences (docs/benchmarks.md)


@dataclass(frozen=True)
class Search:
    """One search of a question: its text, where it looks (None: everywhere) and how deep it reads
    the unfiltered neighbours (None: as deep as the whole question)."""

    text: str
    mask: np.ndarray | None
    deepest: int | None = None


def both(mask: np.ndarray | None, other: np.ndarray | None) -> np.ndarray | None:
    if mask is None:
        return other
    return mask if other is None else mask & other


@dataclass
class Planner:
    store: NewsStore
    filters: dict | None = None
    reference: date | None = None  # "today" for the dates a clause names (default: the real today)

    def searches(self, query: str, index: LexicalIndex, allowed: np.ndarray | None) -> list[Search]:
        """The whole question first (among the named days' reports when two or more clauses each
        name a day), then once per group of outlets it names, restricted to them, then once per
        clause, restricted to the outlets and the single day the clause names."""
        narrowed = [(clause, self.clause_mask(clause, allowed, index)) for clause in clauses(query)]
        focus = self.focus(narrowed, allowed)
        plan = [Search(query, focus)]
        for sources in self.named_outlets(query):
            plan.append(Search(query, both(allowed, index.catalogue.mask({"source": sources}))))
        for clause, mask in narrowed:
            plan.append(Search(clause, focus if mask is allowed else mask, CLAUSE_DEEP))
        return plan

    def named_outlets(self, query: str) -> list[list[str]]:
        if self.filters and self.filters.get("source"):
            return []  # the caller chose the outlets
        return named_sources(query, self.store.sources())

    def focus(self, narrowed: list[tuple[str, np.ndarray | None]], allowed: np.ndarray | None) -> np.ndarray | None:
        """What the whole question and its unrestricted clauses search: the reports of the named
        days when two or more clauses each name one ("the TechCrunch report on October 7, 2023
        ... and the one published on November 18, 2023": the question is about those reports),
        else what the caller's filter keeps."""
        days = [mask for clause, mask in narrowed
                if mask is not None and mask is not allowed and self.clause_range(clause) is not None]
        return np.logical_or.reduce(days) if len(days) >= 2 else allowed

    def clause_range(self, clause: str) -> TimeRange | None:
        """The one day (or other single range) the clause names, unless the caller chose dates."""
        if self.filters and ({"since", "until"} & set(self.filters)):
            return None  # dates the caller chose win over the clause's own
        ranges = resolve(clause, self.reference or date.today())
        return ranges[0] if len(ranges) == 1 else None

    def clause_mask(self, clause: str, allowed: np.ndarray | None, index: LexicalIndex) -> np.ndarray | None:
        """The caller's filter, narrowed to the outlets the clause names and to the one day (or
        other single range) it names; a narrowing that keeps nothing is dropped."""
        narrowed = allowed
        outlets = [source for found in self.named_outlets(clause) for source in found]
        if outlets:
            narrowed = both(narrowed, index.catalogue.mask({"source": outlets}))
        day = self.clause_range(clause)
        if day is not None:
            narrowed = both(narrowed, index.catalogue.mask(day.as_filters()))
        return narrowed if narrowed is None or narrowed.any() else allowed
