"""Weighted reciprocal rank fusion, shared by the first stage (app.retrieval.search) and the second
(app.retrieval.rescore)."""

from __future__ import annotations

from collections.abc import Hashable

RRF_K = 60


def rrf(rankings: dict[str, list[Hashable]], weights: dict[str, float], k: int = RRF_K) -> dict[Hashable, float]:
    """Weighted reciprocal rank fusion: sum over lists of weight / (k + rank), rank from 1. Items
    come out in the order they were first seen, so a stable sort keeps ties in that order."""
    fused: dict[Hashable, float] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ids, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused
