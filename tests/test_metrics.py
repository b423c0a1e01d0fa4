import pytest

from app.evaluation import metrics as m


def row(**kw):
    base = dict(id="q", type="t", lang="en", answerable=True, evidence_count=1, hit_rank=None,
                average_precision=0.0, evidence_recall_at_10=0.0, contains=False, exact_match=False, f1=0.0,
                multihop_accuracy=False, short_contains=False, short_exact_match=False, short_f1=0.0,
                citation_correct=[], citation_verbatim=[], abstained=False, latency_ms=10.0, half="tune")
    base.update(kw)
    return base


def test_hit_rule_ignores_whitespace_both_directions():
    assert m.is_hit("Das  Dokument\nwurde unterzeichnet. Mehr.", ["Das Dokument wurde unterzeichnet."])
    assert m.is_hit("Das Dokument", ["Das Dokument wurde unterzeichnet."])  # passage inside evidence
    assert not m.is_hit("Etwas anderes.", ["Das Dokument wurde unterzeichnet."])
    assert not m.is_hit("anything", [""])


def test_first_hit_rank_and_evidence_recall():
    passages = ["x", "a b", "c", "d e"]
    assert m.first_hit_rank(passages, ["ab"]) == 2
    assert m.first_hit_rank(passages, ["zz"]) is None
    assert m.first_hit_rank([], ["ab"]) is None  # empty retrieval
    assert m.evidence_recall(passages, ["ab", "de", "zz"]) == pytest.approx(2 / 3)
    assert m.evidence_recall(passages, ["de"], k=3) == 0.0


def test_answer_containment_is_case_space_and_unicode_normalised():
    assert m.contains_answer("Auf Erlass  NR. 326 vom", ["nr. 326"])
    assert m.contains_answer("Cafe\u0301 Müller", ["café müller"])  # NFD vs NFC
    assert not m.contains_answer("nothing here", ["Hanoi"])
    assert not m.contains_answer("anything", [" "])


def test_citation_correct_by_answer_or_inside_evidence():
    assert m.citation_correct("In Hanoi fand es statt.", ["Hanoi"], [])
    assert m.citation_correct("Die Republik hat unterzeichnet.", ["x"], ["MINSK – Die Republik hat unterzeichnet."])
    assert not m.citation_correct("Etwas.", ["Hanoi"], ["Anderes."])


def test_aggregate_exact_values():
    rows = [
        row(hit_rank=1, average_precision=1.0, evidence_recall_at_10=1.0, contains=True, f1=0.5,
            short_contains=True, short_exact_match=True, short_f1=1.0, citation_correct=[True, False],
            citation_verbatim=[True, True], latency_ms=10),
        row(hit_rank=5, evidence_recall_at_10=0.5, short_contains=True, short_f1=0.5,
            citation_correct=[True, True],  # duplicate citations count twice
            citation_verbatim=[True, False], latency_ms=30),
        row(hit_rank=None, abstained=True, latency_ms=20),
        row(answerable=False, evidence_count=0, abstained=True, latency_ms=40),
        row(answerable=False, evidence_count=0, abstained=False, citation_verbatim=[True], latency_ms=50),
    ]
    got = m.aggregate(rows)
    assert got["n"] == 5
    r = got["retrieval"]
    assert (r["hit_at_1"], r["hit_at_4"], r["hit_at_5"], r["hit_at_10"]) == pytest.approx((1 / 3, 1 / 3, 2 / 3, 2 / 3))
    assert r["mrr_at_10"] == pytest.approx((1 + 0.2 + 0) / 3)
    assert r["evidence_recall_at_10"] == pytest.approx(0.5)
    assert r["map_at_10"] == pytest.approx(1 / 3)
    assert got["answer"]["contains"] == pytest.approx(1 / 3)
    assert got["answer"]["f1"] == pytest.approx(0.5 / 3)
    assert got["short_answer"] == pytest.approx({"contains": 2 / 3, "exact_match": 1 / 3, "f1": 1.5 / 3})
    assert got["citations"]["recall"] == pytest.approx(2 / 3)
    assert got["citations"]["precision"] == pytest.approx(3 / 4)
    assert got["citations"]["verbatim"] == pytest.approx(4 / 5)
    assert got["abstention"] == pytest.approx({"correct_rate": 0.5, "false_rate": 1 / 3})
    assert got["latency_ms"]["p50"] == 30


def test_empty_groups_give_none_not_zero():
    got = m.aggregate([row(answerable=False, evidence_count=0, abstained=True)])
    assert got["retrieval"]["hit_at_1"] is None and got["answer"]["contains"] is None
    assert got["abstention"]["correct_rate"] == 1.0


def test_by_type_has_the_same_keys():
    got = m.metrics_by_type([row(type="a", hit_rank=1), row(type="b", lang="de", half="check")])
    assert set(got["by_type"]) == {"a", "b"} and set(got["by_lang"]) == {"en", "de"}
    assert set(got["by_half"]) == {"tune", "check"}
    assert set(got["by_type"]["a"]) == set(got) - {"by_type", "by_lang", "by_half"}
    assert got["by_lang"]["en"]["retrieval"]["hit_at_1"] == 1.0 and got["by_lang"]["de"]["retrieval"]["hit_at_1"] == 0.0


def test_halves_split_questions_by_a_hash_of_their_id():
    halves = [m.half(f"q-{i}") for i in range(400)]
    assert 160 < halves.count("tune") < 240 and set(halves) == {"tune", "check"}
    assert m.half("gnad-dev-01") == m.half("gnad-dev-01")  # the same id, the same half, in every run


def test_map_at_10_follows_the_multihop_rag_rule():
    evidence = ["e one.", "e two.", "e three."]
    passages = ["x", "has e one. here", "y", "e two. and e three. together"]
    # rank 2 finds one item (1/2), rank 4 finds two new items (2/4); divided by min(3, 10)
    assert m.average_precision(passages, evidence) == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert m.average_precision(passages + ["e one."], evidence) == pytest.approx((1 / 2 + 2 / 4) / 3)  # found once
    assert m.average_precision([], evidence) == 0.0
    assert m.average_precision(["x"], []) == 0.0


def test_exact_match_and_token_f1():
    assert m.exact_match("The Hanoi.", ["hanoi"])
    assert not m.exact_match("In Hanoi", ["Hanoi"])
    assert m.token_f1("in Hanoi city", ["Hanoi"]) == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))
    assert m.token_f1("nothing", ["Hanoi"]) == 0.0
    assert m.token_f1("Nr. 326", ["Erlass Nr. 326", "Nr. 326"]) == 1.0  # best over gold answers


def test_multihop_accuracy_is_word_overlap():
    assert m.multihop_accuracy("Sam Bankman-Fried was", ["Sam Bankman-Fried"])
    assert m.multihop_accuracy("yes.", ["Yes"]) is False  # punctuation is not stripped by that rule
    assert m.multihop_accuracy("Yes", ["Yes"])


def test_failure_reasons():
    from app.evaluation.runner import failure

    assert failure(row(answerable=False, abstained=True)) == "ok"
    assert failure(row(answerable=False)) == "answered an unanswerable question"
    assert failure(row(abstained=True)) == "wrongly abstained"
    assert failure(row(hit_rank=None, citation_correct=[False])) == "not retrieved"
    assert failure(row(hit_rank=2, citation_correct=[False])) == "retrieved but not cited"
    assert failure(row(hit_rank=2, citation_correct=[True], contains=False)) == "cited but wrong"
    assert failure(row(hit_rank=2, citation_correct=[True], contains=True)) == "ok"


def test_worked_example_of_docs_evaluation_md():
    answer = "In Hanoi fand eine hochrangige UN-Konferenz statt. [1]"
    assert m.contains_answer(answer, ["Hanoi"]) and not m.exact_match(answer, ["Hanoi"])
    assert m.token_f1(answer, ["Hanoi"]) == pytest.approx(2 / 9)
    assert m.multihop_accuracy(answer, ["Hanoi"])


def test_worked_examples_for_citations_abstention_and_latency():
    evidence = ["In Hanoi fand eine hochrangige UN-Konferenz statt."]
    assert m.citation_correct("In Hanoi fand eine hochrangige UN-Konferenz statt.", ["Hanoi"], evidence)
    assert not m.citation_correct("Das Dokument wurde von mehr als 100 Ländern unterzeichnet.", ["Hanoi"], evidence)
    rows = [row(abstained=i == 0) for i in range(8)] + [row(answerable=False, evidence_count=0, abstained=True)] * 2
    got = m.aggregate(rows)["abstention"]
    assert got == {"correct_rate": 1.0, "false_rate": 0.125}
    assert (m.percentile([10, 20, 30, 40], 50), m.percentile([10, 20, 30, 40], 95)) == (25.0, pytest.approx(38.5))
