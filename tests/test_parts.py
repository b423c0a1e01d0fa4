"""Clauses of multi-part questions, and the restriction each clause's search gets."""

from datetime import date

import numpy as np
import pytest

from app.answering.engine import open_store
from app.retrieval.parts import clauses
from app.retrieval.retriever import HybridRetriever


def test_a_question_of_several_reports_splits_into_its_clauses():
    question = ("Which company, known for its dominance in the e-reader space, faced a stock decline "
                "reported by The Sydney Morning Herald, and was discussed by sellers in a CNBC article?")
    assert clauses(question) == [
        "Which company known for its dominance in the e-reader space",
        "faced a stock decline reported by The Sydney Morning Herald",
        "was discussed by sellers in a CNBC article",
    ]


def test_a_comparison_splits_where_its_second_statement_starts():
    question = ("Does the TechCrunch article on October 7, 2023 report layoffs at Flexport while "
                "the Verge article on October 30, 2023 reports a new chief executive?")
    assert clauses(question) == [  # the comma before a year does not end a clause
        "Does the TechCrunch article on October 7, 2023 report layoffs at Flexport",
        "the Verge article on October 30, 2023 reports a new chief executive",
    ]


@pytest.mark.parametrize("question", [
    "Who signed the convention?",
    "Which decree, Nr. 326, authorised it?",  # a short piece joins the clause before it
    "",
])
def test_simple_questions_have_no_clauses(question):
    assert clauses(question) == []


def test_short_pieces_join_their_neighbours():
    assert clauses("When, and where, did the strike at the Port of Rotterdam end after the pay deal?") == []


@pytest.fixture(scope="module")
def samples_index(samples_store):
    from app.config import load_settings

    store = open_store(load_settings(store=samples_store))
    return store, store.lexical_index()


def _sources(index, mask):
    return {index.catalogue.value("source", int(i)) for i in np.flatnonzero(mask)}


def test_a_clause_is_searched_among_the_outlet_and_day_it_names(samples_index):
    store, index = samples_index
    retriever = HybridRetriever(store=store, reference=date(2025, 12, 1))
    mask = retriever.planner.clause_mask("the Harbour Ledger report on November 5, 2025 about the strike", None, index)
    assert _sources(index, mask) == {"Harbour Ledger (sample)"}
    day = retriever.planner.clause_mask("what did the report on November 10, 2025 say about recycling", None, index)
    assert _sources(index, day) == {"Northern Tech Wire (sample)"}
    assert retriever.planner.clause_mask("how long is the new tram line", None, index) is None


def test_a_clause_narrowing_that_keeps_nothing_falls_back_to_the_callers_filter(samples_index):
    store, index = samples_index
    retriever = HybridRetriever(store=store, reference=date(2025, 12, 1))
    english = index.catalogue.mask({"language": "en"})
    kept = retriever.planner.clause_mask("the Harbour Ledger report on November 10, 2025", english, index)
    assert kept is english  # Harbour Ledger published nothing that day
    chosen = {"since": "2025-11-01"}  # dates the caller chose win over the clause's own
    dated = HybridRetriever(store=store, reference=date(2025, 12, 1), filters=chosen)
    assert dated.planner.clause_mask("the report on November 5, 2025", index.catalogue.mask(chosen), index).sum() == len(index.ids)


def test_a_question_comparing_two_days_reports_searches_among_them(samples_index):
    store, index = samples_index
    retriever = HybridRetriever(store=store, reference=date(2025, 12, 1), k=5)
    question = ("Between the report on November 5, 2025 about the strike and the report on November 10, 2025 "
                "about recycling, did the city council change its plans?")
    narrowed = [(clause, retriever.planner.clause_mask(clause, None, index)) for clause in clauses(question)]
    assert len(narrowed) == 3 and narrowed[2][1] is None  # the last clause names no day
    days = narrowed[0][1] | narrowed[1][1]
    focus = retriever.planner.focus(narrowed, None)
    assert focus is not None and (focus == days).all() and 0 < focus.sum() < len(index.ids)
    hits = retriever.search(question)
    assert hits and all(focus[index.position(hit.passage_id)] for hit in hits)
    # One named day is the question's own date filter's business; dates the caller chose win.
    assert retriever.planner.focus(narrowed[:1] + [(clause, None) for clause, _ in narrowed[1:]], None) is None
    chosen = {"since": "2025-11-01"}
    allowed = index.catalogue.mask(chosen)
    dated = HybridRetriever(store=store, reference=date(2025, 12, 1), filters=chosen)
    assert dated.planner.focus([(c, dated.planner.clause_mask(c, allowed, index)) for c, _ in narrowed], allowed) is allowed
