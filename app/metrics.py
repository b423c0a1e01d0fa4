"""Evaluation metrics on plain values, so that each can be checked by hand.

A passage is a *hit* when a gold evidence text (all whitespace removed) is a substring of it, or
it is a substring of the evidence: the rule of the MultiHop-RAG paper's evaluation code.
"""

from __future__ import annotations

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


def contains_answer(text: str, answers: list[str]) -> bool:
    haystack = norm_answer(text)
    return any(a.strip() and norm_answer(a) in haystack for a in answers)


def citation_correct(sentence: str, answers: list[str], evidence: list[str]) -> bool:
    """A cited sentence is right when it holds a gold answer or lies inside gold evidence."""
    if contains_answer(sentence, answers):
        return True
    s = squash(sentence)
    return bool(s) and any(s in e for e in map(squash, evidence))


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
            "evidence_recall_at_10": mean(r["evidence_recall_at_10"] for r in with_evidence),
        },
        "answer": {"contains": mean(r["contains"] for r in answerable)},
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


def metrics_by_type(rows: list[dict]) -> dict:
    result = aggregate(rows)
    types = sorted({r["type"] for r in rows})
    result["by_type"] = {t: aggregate([r for r in rows if r["type"] == t]) for t in types}
    return result
