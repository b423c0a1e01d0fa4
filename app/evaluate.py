"""``newsqa eval``: run every question of a QA JSONL file through ``answer()`` and score it."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from app import metrics as m
from app.config import Settings
from app.engine import answer, open_store
from app.errors import NewsQAError
from app.types import Answer


def read_qa(path: Path, limit: int | None = None) -> list[dict]:
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise NewsQAError(f"Cannot read the QA file {path}: {err}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise NewsQAError(f"{path}:{number}: invalid JSON line ({err.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise NewsQAError(f"{path}:{number}: each line needs a 'question' string (QA schema)")
        item.setdefault("answers", [])
        item.setdefault("evidence", [])
        item.setdefault("answerable", bool(item["answers"] or item["evidence"]))
        item.setdefault("type", "all")
        rows.append(item)
        if limit and len(rows) >= limit:
            break
    return rows


def score_question(item: dict, result: Answer, latency_ms: float, article_texts: dict[str, str]) -> dict:
    passages = [h.text for h in result.passages]
    evidence, answers = item["evidence"], item["answers"]
    return {
        "id": item.get("id", ""),
        "type": item["type"],
        "answerable": bool(item["answerable"]),
        "evidence_count": len(evidence),
        "hit_rank": m.first_hit_rank(passages, evidence) if evidence else None,
        "evidence_recall_at_10": m.evidence_recall(passages, evidence),
        "contains": (not result.abstained) and m.contains_answer(result.answer, answers),
        "citation_correct": [m.citation_correct(c.sentence, answers, evidence) for c in result.citations],
        "citation_verbatim": [
            article_texts.get(c.article_id, "")[c.start : c.end] == c.sentence for c in result.citations
        ],
        "abstained": result.abstained,
        "latency_ms": latency_ms,
    }


def evaluate(qa_path: Path, settings: Settings, limit: int | None = None) -> dict:
    items = read_qa(qa_path, limit)
    store = open_store(settings)
    rows = []
    show = sys.stderr.isatty()
    for item in tqdm(items, desc="eval", unit="q", disable=not show):
        start = time.perf_counter()
        result = answer(item["question"], settings=settings)
        latency = (time.perf_counter() - start) * 1000
        texts = {a.id: a.text for a in store.articles((c.article_id for c in result.citations), with_text=True).values()}
        rows.append(score_question(item, result, latency, texts))
    return m.metrics_by_type(rows)


def _flat(prefix: str, value, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key != "by_type":
                _flat(f"{prefix}.{key}" if prefix else key, inner, out)
    else:
        shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        out.append(f"{prefix:40s} {shown}")


def format_metrics(metrics: dict) -> str:
    lines: list[str] = []
    _flat("", metrics, lines)
    for name, inner in metrics.get("by_type", {}).items():
        lines.append(f"-- by_type.{name}")
        _flat(f"by_type.{name}", inner, lines)
    return "\n".join(lines)
