"""Acceptance on the MultiHop-RAG corpus (609 English articles): it ingests without errors and
the evaluator reports every key. Floors guard against regressions; raise them as figures improve."""

from datetime import date

import pytest
from conftest import MULTIHOP, SHARED, cached_store

from app.config import load_settings
from app.evaluation.runner import evaluate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def multihop_settings(tmp_path_factory):
    return load_settings(store=cached_store("multihop", [MULTIHOP / "corpus.json"], tmp_path_factory))


def test_corpus_ingested_completely(multihop_settings):
    from app.answering.engine import open_store

    stats = open_store(multihop_settings).stats()
    assert stats["articles"] == 609
    assert stats["date_range"][0].startswith("2023-")
    assert stats["passages"] > 3000 and stats["sentences"] > 40000


def test_null_queries_about_outlets_not_stored_are_abstained_on(multihop_settings):
    import json

    from app.answering.engine import open_store
    from app.retrieval.outlets import unknown_outlets

    stored = open_store(multihop_settings).sources()
    rows = [json.loads(line) for line in (MULTIHOP / "qa.dev.jsonl").read_text("utf-8").splitlines()]
    flagged = {r["type"] == "null_query": 0 for r in rows}
    for r in rows:
        flagged[r["type"] == "null_query"] += bool(unknown_outlets(r["question"], stored))
    assert flagged[False] == 0  # no answerable question is turned away
    assert flagged[True] >= 100  # 103 of 145 null queries when last measured


def test_null_queries_about_names_never_stored_are_abstained_on(multihop_settings):
    import json

    from app.answering.coverage import uncovered_names
    from app.answering.engine import open_store

    store = open_store(multihop_settings)
    index, stored = store.lexical_index(), store.sources()
    rows = [json.loads(line) for line in (MULTIHOP / "qa.dev.jsonl").read_text("utf-8").splitlines()]
    flagged = {True: 0, False: 0}
    for r in rows:
        flagged[r["type"] == "null_query"] += bool(uncovered_names(r["question"], index, stored))
    assert flagged[False] == 0  # no answerable question names something the store lacks
    assert flagged[True] >= 80  # 85 of 145 null queries when last measured (27 that the outlet rule misses)


def test_eval_on_dev_questions(multihop_settings):
    metrics = evaluate(MULTIHOP / "qa.dev.jsonl", multihop_settings, limit=200, reference_date=date(2023, 12, 31))
    assert metrics["n"] == 200
    assert {"inference_query", "comparison_query"} <= set(metrics["by_type"])
    assert metrics["citations"]["verbatim"] == 1.0
    for group, key in FLOORS:
        assert metrics[group][key] >= FLOORS[group, key], (group, key, metrics[group][key])
    assert metrics["by_type"]["inference_query"]["answer"]["contains"] >= 0.85  # 49 of 57
    assert metrics["by_type"]["null_query"]["abstention"]["correct_rate"] >= 0.9
    assert metrics["abstention"]["false_rate"] == 0.0


# Measured on these 200 questions when the floors were last set: 0.967, 0.724, 0.748, 0.683,
# 0.417 (in FLOORS' order); inference answers contain 0.860 to 0.877 (49 or 50 of 57: Chroma's
# HNSW graph differs from build to build, and moves a question's ranks); null queries abstained on 1.000.
FLOORS = {
    ("retrieval", "hit_at_10"): 0.96,
    ("retrieval", "mrr_at_10"): 0.72,
    ("retrieval", "evidence_recall_at_10"): 0.73,
    ("citations", "recall"): 0.67,
    ("answer", "contains"): 0.41,
}


FILTERS = [  # passages kept of 28,851: 700 and 843 (scored exactly), 3,541 and 11,725 (read deep)
    {"since": "2023-10-07", "until": "2023-10-07"},
    {"source": "Fortune"},
    {"source": "TechCrunch"},
    {"since": "2023-10-01", "until": "2023-10-31"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "-".join(map(str, f.values())))
def test_filtered_dense_search_finds_what_chromas_own_filter_finds(multihop_settings, filters):
    """Filters are masks over the BM25 index's passages, never filtered Chroma queries (0.5-3.5 s
    each at 800k sentences). Both ways of searching under a mask (every kept passage scored
    exactly, or the unfiltered neighbours read deep and filtered) must find the passages Chroma's
    own filtered query finds."""
    from app.answering.engine import open_store
    from app.retrieval.retriever import HybridRetriever
    from app.retrieval.search import EXACT, _Deep
    from app.store import PASSAGES
    from app.store.filters import to_where

    store = open_store(multihop_settings)
    index = store.lexical_index()
    allowed = index.catalogue.mask(filters)
    question = "Which company is accused of breaking antitrust law by paying for default search placement?"
    vector = store.embedder.embed_query(question)
    chroma_ids, _, chroma_metas, _ = store.query(PASSAGES, vector, 10, to_where(filters))
    assert len(chroma_ids) == 10 and all(allowed[index.position(pid)] for pid in chroma_ids)
    retriever = HybridRetriever(store=store, k=10, candidates=40, filters=filters)
    _, metas, dense, best_sentence = retriever.searcher._dense(allowed, vector, index, _Deep(store, vector))
    ours = sorted(dense, key=dense.get, reverse=True)[:10]
    assert len(set(ours) & set(chroma_ids)) >= 9, (int(allowed.sum()) <= EXACT, ours, chroma_ids)
    assert all(allowed[index.position(pid)] for pid in [*dense, *(best_sentence or {})])


# Reader questions over the same corpus: the answer sentence is never the one sharing most words
# with the question. Floors on the checking half (the half nobody tuned on; 22 answerable
# questions, one is 0.045), measured at 0.318 and 0.273 when set (docs/evaluation.md).
READER_QA = SHARED / "reader-qa" / "qa.dev.jsonl"
READER_CHECK_FLOORS = {("citations", "recall"): 0.27, ("short_answer", "contains"): 0.22}


def test_reader_questions_checking_half(multihop_settings):
    metrics = evaluate(READER_QA, multihop_settings, reference_date=date(2023, 12, 31))
    check = metrics["by_half"]["check"]
    for group, key in READER_CHECK_FLOORS:
        assert check[group][key] >= READER_CHECK_FLOORS[group, key], (group, key, check[group][key])
    assert metrics["citations"]["verbatim"] == 1.0
    assert metrics["abstention"]["false_rate"] <= 0.05


def test_every_retrieved_passage_is_read_before_refusing_for_want_of_an_amount(multihop_settings):
    # The amount is in the report's 7th passage; the top 5 hold none, so the first reading would
    # say the reports don't give one.
    from app import answer

    got = answer("How much money have the zombie-dancing moms of Fairfield, Connecticut brought in for "
                 "breast cancer research so far?", settings=multihop_settings)
    assert not got.abstained and got.short == "over $170,000"
    assert any("raised over $170,000" in c.sentence for c in got.citations)
