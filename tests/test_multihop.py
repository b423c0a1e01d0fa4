"""Acceptance on the MultiHop-RAG corpus (609 English articles): it ingests without errors and
the evaluator reports every key. Floors guard against regressions; raise them as figures improve."""

from datetime import date

import pytest

from app.config import load_settings
from app.evaluate import evaluate
from conftest import MULTIHOP, cached_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def multihop_settings(tmp_path_factory):
    return load_settings(store=cached_store("multihop", [MULTIHOP / "corpus.json"], tmp_path_factory))


def test_corpus_ingested_completely(multihop_settings):
    from app.engine import open_store

    stats = open_store(multihop_settings).stats()
    assert stats["articles"] == 609
    assert stats["date_range"][0].startswith("2023-")
    assert stats["passages"] > 3000 and stats["sentences"] > 40000


def test_null_queries_about_outlets_not_stored_are_abstained_on(multihop_settings):
    import json

    from app.engine import open_store
    from app.outlets import unknown_outlets

    stored = open_store(multihop_settings).sources()
    rows = [json.loads(line) for line in (MULTIHOP / "qa.dev.jsonl").read_text("utf-8").splitlines()]
    flagged = {r["type"] == "null_query": 0 for r in rows}
    for r in rows:
        flagged[r["type"] == "null_query"] += bool(unknown_outlets(r["question"], stored))
    assert flagged[False] == 0  # no answerable question is turned away
    assert flagged[True] >= 100  # 103 of 145 null queries when last measured


def test_eval_on_dev_questions(multihop_settings):
    metrics = evaluate(MULTIHOP / "qa.dev.jsonl", multihop_settings, limit=200, reference_date=date(2023, 12, 31))
    assert metrics["n"] == 200
    assert {"inference_query", "comparison_query"} <= set(metrics["by_type"])
    assert metrics["citations"]["verbatim"] == 1.0
    for group, key in FLOORS:
        assert metrics[group][key] >= FLOORS[group, key], (group, key, metrics[group][key])


# Measured on these 200 questions when last raised (per-outlet sub-searches): 0.856, 0.519,
# 0.524, 0.594, 0.322.
FLOORS = {
    ("retrieval", "hit_at_10"): 0.83,
    ("retrieval", "mrr_at_10"): 0.49,
    ("retrieval", "evidence_recall_at_10"): 0.50,
    ("citations", "recall"): 0.56,
    ("answer", "contains"): 0.30,
}
