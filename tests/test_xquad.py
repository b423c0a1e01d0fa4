"""Acceptance on XQuAD: English and German questions over German articles. Floors guard
against regressions; raise them as figures improve."""

import pytest
from conftest import SHARED, cached_store

from app.config import load_settings
from app.evaluation.runner import evaluate

pytestmark = pytest.mark.slow
XQUAD = SHARED / "xquad"


@pytest.fixture(scope="module")
def xquad_settings(tmp_path_factory):
    return load_settings(store=cached_store("xquad", [XQUAD / "articles.de.dev.jsonl"], tmp_path_factory))


# Measured on all 612 questions when the floors were last raised (hit@1, MRR@10, citation recall):
# en->de 0.889, 0.925, 0.879; de->de 0.902, 0.936, 0.913 (docs/evaluation.md).
@pytest.mark.parametrize(
    "qa, floors",
    [
        ("qa.en-de.dev.jsonl", {"hit_at_1": 0.88, "mrr_at_10": 0.92, "recall": 0.87}),
        ("qa.de-de.dev.jsonl", {"hit_at_1": 0.895, "mrr_at_10": 0.93, "recall": 0.905}),
    ],
)
def test_cross_lingual_retrieval_and_citations(qa, floors, xquad_settings):
    metrics = evaluate(XQUAD / qa, xquad_settings)
    assert metrics["n"] == 612
    assert metrics["retrieval"]["hit_at_1"] >= floors["hit_at_1"]
    assert metrics["retrieval"]["mrr_at_10"] >= floors["mrr_at_10"]
    assert metrics["citations"]["recall"] >= floors["recall"]
    assert metrics["citations"]["verbatim"] == 1.0
    assert metrics["abstention"]["false_rate"] <= 0.01
