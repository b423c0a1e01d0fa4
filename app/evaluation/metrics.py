"""Evaluation metrics on plain values, so that each can be checked by hand.

A passage is a *hit* when a gold evidence text (all whitespace removed) is a substring of it, or
it is a substring of the evidence: the rule of the MultiHop-RAG paper's evaluation code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """NFC, all whitespace removed (the hit rule)."""
    return _SPACE.sub("", unicodedata.normalize("NFC", text))


def norm_answer(text: str) -> str:
    """NFKC, case-folded, runs of whitespace collapsed (the answer-containment rule)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def is_hit(passage: str, evidence: list[str]) -> bool:
    p = squash(passage)
    return any(e and (e in p or p in e) for e in map(squash, evidence))


def first_hit_rank(passages: list[str], evidence: list[str], k: int = 10) -> int | None:
    for rank, text in enumerate(passages[:k], 1):
        if is_hit(text, evidence):
            return rank
    return None


def evidence_recall(passages: list[str], evidence: list[str], k: int = 10) -> float:
    """Share of the gold evidence texts found in (or containing) one of the top-k passages."""
    if not evidence:
        return 0.0
    top = [squash(p) for p in passages[:k]]
    found = sum(1 for e in map(squash, evidence) if any(e in p or p in e for p in top))
    return found / len(evidence)


def average_precision(passages: list[str], evidence: list[str], k: int = 10) -> float:
    """MAP@10 term of the MultiHop-RAG code: at each rank that brings gold evidence not found
    before, add (newly found items) / rank; divide by min(len(evidence), k)."""
    gold = [squash(e) for e in evidence if e.strip()]
    if not gold:
        return 0.0
    found: set[int] = set()
    total = 0.0
    for rank, passage in enumerate(passages[:k], 1):
        p = squash(passage)
        new = {i for i, e in enumerate(gold) if i not in found and (e in p or p in e)}
        if new:
            found |= new
            total += len(new) / rank
    return total / min(len(gold), k)


_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_ARTICLES = re.compile(r"\b(a|an|the|der|die|das|ein|eine)\b")


def answer_tokens(text: str) -> list[str]:
    """SQuAD-style normalisation: case-folded, punctuation and articles removed."""
    return _ARTICLES.sub(" ", _PUNCT.sub(" ", norm_answer(text))).split()


def exact_match(text: str, answers: list[str]) -> bool:
    got = answer_tokens(text)
    return any(got == answer_tokens(a) for a in answers if a.strip())


def token_f1(text: str, answers: list[str]) -> float:
    """Best token-overlap F1 against any gold answer."""
    got = answer_tokens(text)
    best = 0.0
    for answer in answers:
        gold = answer_tokens(answer)
        common = sum(min(got.count(t), gold.count(t)) for t in set(got) & set(gold))
        if common:
            precision, recall = common / len(got), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def multihop_accuracy(text: str, answers: list[str]) -> bool:
    """The MultiHop-RAG QA script's rule: the lower-cased answer and a gold answer share at
    least one whitespace-separated word. Lenient by design; reported for comparison only."""
    got = set(text.lower().split())
    return any(got & set(a.lower().split()) for a in answers)


def contains_answer(text: str, answers: list[str]) -> bool:
    haystack = norm_answer(text)
    return any(a.strip() and norm_answer(a) in haystack for a in answers)


def citation_correct(sentence: str, answers: list[str], evidence: list[str]) -> bool:
    """A cited sentence is right when it holds a gold answer or lies inside gold evidence."""
    if contains_answer(sentence, answers):
        return True
    s = squash(sentence)
    return bool(s) and any(s in e for e in map(squash, evidence))


def half(question_id: str) -> str:
    """The half of a development set a question belongs to, by a hash of its id: "tune" (read
    and tuned on) or "check" (kept for checking that a change generalises)."""
    return "tune" if int(hashlib.sha1(question_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "check"


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def mean(values) -> float | None:
    values = list(values)
    return float(sum(values) / len(values)) if values else None


def aggregate(rows: list[dict]) -> dict:
    """Metrics over per-question rows (see ``evaluate.score_question`` for the row fields)."""
    answerable = [r for r in rows if r["answerable"]]
    with_evidence = [r for r in answerable if r["evidence_count"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    ranks = [r["hit_rank"] for r in with_evidence]
    cited = [c for r in answerable for c in r["citation_correct"]]
    verbatim = [v for r in rows for v in r["citation_verbatim"]]
    latencies = [r["latency_ms"] for r in rows]
    return {
        "n": len(rows),
        "retrieval": {
            **{f"hit_at_{k}": mean(rank is not None and rank <= k for rank in ranks) for k in (1, 4, 5, 10)},
            "mrr_at_10": mean((1.0 / rank) if rank else 0.0 for rank in ranks),
            "map_at_10": mean(r["average_precision"] for r in with_evidence),
            "evidence_recall_at_10": mean(r["evidence_recall_at_10"] for r in with_evidence),
        },
        "answer": {
            "contains": mean(r["contains"] for r in answerable),
            "exact_match": mean(r["exact_match"] for r in answerable),
            "f1": mean(r["f1"] for r in answerable),
            "multihop_accuracy": mean(r["multihop_accuracy"] for r in answerable),
        },
        "short_answer": {
            "contains": mean(r["short_contains"] for r in answerable),
            "exact_match": mean(r["short_exact_match"] for r in answerable),
            "f1": mean(r["short_f1"] for r in answerable),
        },
        "citations": {
            "recall": mean(any(r["citation_correct"]) for r in answerable),
            "precision": mean(cited),
            "verbatim": mean(verbatim),
        },
        "abstention": {
            "correct_rate": mean(r["abstained"] for r in unanswerable),
            "false_rate": mean(r["abstained"] for r in answerable),
        },
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
    }


GROUPS = {"by_type": "type", "by_lang": "lang", "by_half": "half"}  # metric groups -> the row field they split by


def metrics_by_type(rows: list[dict]) -> dict:
    """Overall metrics, plus the same keys per question type, per question language and per half
    of the set (``half``)."""
    result = aggregate(rows)
    for group, field in GROUPS.items():
        values = sorted({r[field] for r in rows})
        result[group] = {v: aggregate([r for r in rows if r[field] == v]) for v in values}
    return result
