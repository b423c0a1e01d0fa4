"""Hand-made data for the retrieval helpers: fusing the rankings of a question's parts, one copy
per story, and one cited sentence per named outlet."""

import numpy as np
import pytest

from app.answering.extractive import Scored, select
from app.retrieval.search import (
    PARTS_RRF_K,
    WHOLE_WEIGHT,
    fuse_parts,
    one_copy_per_story,
)
from app.types import Hit


def hit(pid):
    return Hit(passage_id=pid, article_id=pid[0], text=pid, score=0.0)


def test_fusing_parts_ranks_by_summed_reciprocal_ranks_without_repeats():
    merged = fuse_parts([[hit("a1"), hit("a2"), hit("a3")], [hit("b1"), hit("a1")], [hit("c1")]], k=4)
    # the whole question (first) weighs WHOLE_WEIGHT: a1 w/(K+1) + 1/(K+2); b1 and c1 1/(K+1) each
    # (b1 seen first); a2 w/(K+2); a3 is cut by k
    assert [h.passage_id for h in merged] == ["a1", "b1", "c1", "a2"]
    w, k = WHOLE_WEIGHT, PARTS_RRF_K
    assert abs(merged[0].score - (w / (k + 1) + 1 / (k + 2))) < 1e-12
    assert abs(merged[3].score - w / (k + 2)) < 1e-12
    assert fuse_parts([], k=3) == []


def test_a_parts_top_passage_outranks_the_whole_questions():
    merged = fuse_parts([[hit("w1"), hit("w2")], [hit("p1"), hit("p2")], [hit("q1")]], k=5)
    # w1 0.5/3 ranks after each part's first (1/3) and second (1/4) passage; equal weights would put it first
    assert [h.passage_id for h in merged] == ["p1", "q1", "p2", "w1", "w2"]


def test_fused_parts_keep_one_copy_per_story():
    # the whole question found copy a1 of story G, a part found copy b1 of the same story
    metas = {"a1": {"article_id": "a", "group": "G"}, "b1": {"article_id": "b", "group": "G"},
             "c1": {"article_id": "c"}, "a2": {"article_id": "a", "group": "G"}}
    merged = fuse_parts([[hit("a1"), hit("a2")], [hit("b1"), hit("c1")]], k=4, metas=metas)
    assert [h.passage_id for h in merged] == ["b1", "c1"]  # b1 ranks first: story G speaks through b
    assert len(fuse_parts([[hit("a1"), hit("a2")], [hit("b1"), hit("c1")]], k=4)) == 4


def test_one_copy_per_story_keeps_the_best_ranked_article_of_a_group():
    metas = {"p1": {"article_id": "A", "group": "G"}, "p2": {"article_id": "B", "group": "G"},
             "p3": {"article_id": "A", "group": "G"}, "p4": {"article_id": "C"}}
    assert one_copy_per_story(["p1", "p2", "p3", "p4"], metas) == ["p1", "p3", "p4"]


def scored(sid, source, score, article, axis=0):
    vec = np.zeros(4, np.float32)
    vec[axis] = 1.0
    return Scored(sid, sid, {"source": source, "article_id": article, "index": 0, "passage_id": sid}, score, vec)


def test_each_named_outlet_gets_its_best_sentence():
    ranked = [scored("v1", "The Verge", 0.9, "v", 0), scored("v2", "The Verge", 0.85, "v", 1),
              scored("t1", "TechCrunch", 0.5, "t", 2), scored("x1", "Wired", 0.45, "x", 3)]
    plain = select(ranked, 3)
    assert {s.sentence_id for s in plain} == {"v1"}
    both = select(ranked, 3, outlets=[["The Verge"], ["TechCrunch"]])
    assert {s.sentence_id for s in both} == {"v1", "t1"}
    assert {s.sentence_id for s in select(ranked, 3, outlets=[["TechCrunch"]])} == {"v1"}  # one outlet: no rule


def test_top_is_a_partial_sort_largest_first():
    from app.retrieval.search import _top

    values = np.random.default_rng(3).permutation(1000).astype(np.float32)
    assert _top(values, 10).tolist() == np.argsort(-values)[:10].tolist()
    assert _top(values[:5], 10).tolist() == np.argsort(-values[:5]).tolist()


def test_weighted_rrf_by_hand():
    from app.retrieval.fusion import rrf

    fused = rrf({"a": ["x", "y"], "b": ["y", "z"]}, {"b": 2.0}, k=10)
    assert fused == pytest.approx({"x": 1 / 11, "y": 1 / 12 + 2 / 11, "z": 2 / 12})
    assert list(fused) == ["x", "y", "z"]  # first-seen order, which stable sorts keep for ties
