"""Acceptance on XQuAD: English and German questions over German articles, and English and
own-language questions over the Russian, Spanish, Chinese and Arabic translations. Floors guard
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


# Measured on all 612 questions when the floors were last set (hit@1, MRR@10, citation recall):
# en->de 0.889, 0.925, 0.871; de->de 0.894, 0.932, 0.922 (docs/evaluation.md).
@pytest.mark.parametrize(
    "qa, floors",
    [
        ("qa.en-de.dev.jsonl", {"hit_at_1": 0.88, "mrr_at_10": 0.915, "recall": 0.86}),
        ("qa.de-de.dev.jsonl", {"hit_at_1": 0.885, "mrr_at_10": 0.925, "recall": 0.91}),
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


@pytest.fixture(scope="module")
def translation_settings(tmp_path_factory):
    stores = {}

    def settings(language: str):
        if language not in stores:
            path = cached_store(f"xquad-{language}", [XQUAD / f"articles.{language}.dev.jsonl"], tmp_path_factory)
            stores[language] = load_settings(store=path)
        return stores[language]

    return settings


# The first questions of each set (own language: 300, English: 100, as the English ones run the
# cross-lingual rescorer). Measured on them when the floors were set (hit@1, citation recall):
# ru 0.923, 0.947; es 0.910, 0.953; zh 0.963, 0.943; ar 0.900, 0.913; en->ru 0.87, 0.90;
# en->es 0.94, 0.95; en->zh 0.84, 0.84; en->ar 0.70, 0.75 (all 612: docs/evaluation.md). The
# rescorer's say in the sentence choice of English questions over Chinese, Arabic and Russian
# lifted en->zh and en->ru; on en->ar's first 100 it cites one sentence where two or three were
# cited before, one of them right (all 612: recall 0.820 -> 0.822, precision 0.595 -> 0.751).
OTHER_LANGUAGES = {
    ("ru", "ru", 300): (0.91, 0.93),
    ("es", "es", 300): (0.90, 0.935),
    ("zh", "zh", 300): (0.95, 0.93),
    ("ar", "ar", 300): (0.89, 0.89),
    ("en", "ru", 100): (0.84, 0.88),
    ("en", "es", 100): (0.92, 0.92),
    ("en", "zh", 100): (0.84, 0.82),
    ("en", "ar", 100): (0.69, 0.73),
}


@pytest.mark.parametrize("asked, language, limit", OTHER_LANGUAGES, ids=lambda v: str(v))
def test_questions_over_each_translation(asked, language, limit, translation_settings):
    metrics = evaluate(XQUAD / f"qa.{asked}-{language}.dev.jsonl", translation_settings(language), limit=limit)
    hit_floor, recall_floor = OTHER_LANGUAGES[asked, language, limit]
    assert metrics["n"] == limit
    assert metrics["retrieval"]["hit_at_1"] >= hit_floor
    assert metrics["citations"]["recall"] >= recall_floor
    assert metrics["citations"]["verbatim"] == 1.0
    assert metrics["abstention"]["false_rate"] <= 0.01
