"""``newsqa eval``: run each question of a QA JSONL file through ``answer()``, score it, and
write metrics, per-question results and a report."""

from __future__ import annotations

import ast
import glob
import hashlib
import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from tqdm import tqdm

from app.answering.engine import answer, open_store
from app.config import Settings
from app.errors import NewsQAError
from app.evaluation import metrics as m
from app.types import Answer

ROOT = Path(__file__).resolve().parents[2]
# Source files whose code alters what an ingest writes: part of every cached store's key (their
# comments and docstrings are not: ``code_text``).
INGEST_CODE = ("ingest/**/*.py", "app/store/*.py", "app/text/*.py", "app/embeddings.py", "app/types.py")


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
        item.setdefault("id", f"line-{number}")
        item.setdefault("answers", [])
        item.setdefault("evidence", [])
        item.setdefault("answerable", bool(item["answers"] or item["evidence"]))
        item.setdefault("type", "all")
        item.setdefault("lang", "?")
        rows.append(item)
        if limit and len(rows) >= limit:
            break
    return rows


# ---- cached evaluation stores --------------------------------------------------------------

def content_key(files: Iterable[Path], *extra: str) -> str:
    """A hash of the files' bytes, the ingestion code and ``extra`` (e.g. the embedder)."""
    digest = hashlib.sha1()
    code = sorted(p for pattern in INGEST_CODE for p in ROOT.glob(pattern))
    for path in code:
        digest.update(path.name.encode())
        digest.update(code_text(path).encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def code_text(path: Path) -> str:
    """A module's code without its comments and docstrings, so that editing those keeps the
    cached stores."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def source_files(sources: Iterable[Path]) -> list[Path]:
    files = []
    for source in map(Path, sources):
        if not source.exists():
            raise NewsQAError(f"--articles {source}: no such file or folder")
        files += [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    return files


def set_name(sources: Iterable[Path]) -> str:
    """A readable name for a set of sources ("corpus", "articles.de.dev"); versions of the same
    set replace each other in the cache, different sets live side by side."""
    stems = "+".join(Path(s).name.split(".jsonl")[0].split(".json")[0] for s in sources)
    return re.sub(r"[^A-Za-z0-9.+_-]+", "-", stems)[:60] or "articles"


def cached_store(sources: list[Path], settings: Settings, cache: Path, name: str | None = None,
                 progress: bool | None = None) -> Path:
    """A store holding exactly ``sources``, built once per content, code and embedder under
    ``cache`` and reused; the user's own store is never touched. Built in a side folder and
    renamed into place, so an interrupted build is never mistaken for a finished one."""
    from app.embeddings import make_embedder
    from app.store import NewsStore
    from ingest.pipeline import ingest

    target = cache / f"{name or set_name(sources)}-{content_key(source_files(sources), settings.embedder)}"
    if (target / "ready").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    building = cache / f"{target.name}.building"
    shutil.rmtree(building, ignore_errors=True)
    store = NewsStore.open(building, make_embedder(settings.embedder, settings.embed_threads))
    report = ingest(sources, store, max_tokens=settings.max_passage_tokens, progress=progress)
    if not report.ok:
        raise NewsQAError("--articles could not all be read: " + "; ".join(map(str, report.failed[:5])))
    (building / "ready").write_text(report.summary())
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    prefix = target.name.rsplit("-", 1)[0] + "-"
    for stale in cache.glob(f"{glob.escape(prefix)}*"):  # older versions of the same set
        if stale != target and stale.name[len(prefix):].isalnum():
            shutil.rmtree(stale, ignore_errors=True)
    return target


# ---- scoring one question ------------------------------------------------------------------

def failure(row: dict) -> str:
    """Why a question went wrong (or "ok"), in the order a reader would check."""
    if not row["answerable"]:
        return "ok" if row["abstained"] else "answered an unanswerable question"
    if row["abstained"]:
        return "wrongly abstained"
    if row["evidence_count"] and row["hit_rank"] is None:
        return "not retrieved"
    if not any(row["citation_correct"]):
        return "retrieved but not cited"
    if not row["contains"]:
        return "cited but wrong"
    return "ok"


def score_question(item: dict, result: Answer, latency_ms: float, article_texts: dict[str, str]) -> dict:
    passages = [h.text for h in result.passages]
    evidence, answers = item["evidence"], item["answers"]
    text = "" if result.abstained else result.answer
    short = "" if result.abstained else result.short
    row = {
        "id": item["id"],
        "half": m.half(str(item["id"])),
        "type": item["type"],
        "lang": item["lang"],
        "answerable": bool(item["answerable"]),
        "evidence_count": len(evidence),
        "hit_rank": m.first_hit_rank(passages, evidence) if evidence else None,
        "average_precision": m.average_precision(passages, evidence),
        "evidence_recall_at_10": m.evidence_recall(passages, evidence),
        "contains": m.contains_answer(text, answers),
        "exact_match": m.exact_match(text, answers),
        "f1": m.token_f1(text, answers),
        "multihop_accuracy": m.multihop_accuracy(text, answers),
        "short_contains": m.contains_answer(short, answers),
        "short_exact_match": m.exact_match(short, answers),
        "short_f1": m.token_f1(short, answers),
        "citation_correct": [m.citation_correct(c.sentence, answers, evidence) for c in result.citations],
        "citation_verbatim": [
            article_texts.get(c.article_id, "")[c.start : c.end] == c.sentence for c in result.citations
        ],
        "abstained": result.abstained,
        "latency_ms": latency_ms,
    }
    row["failure"] = failure(row)
    return row


def detail(item: dict, result: Answer, row: dict) -> dict:
    """One line of results.jsonl: the question, what the system did, and how it scored."""
    return {
        **row,
        "question": item["question"],
        "gold_answers": item["answers"],
        "answer": result.answer,
        "short_answer": result.short,
        "time_range": result.time_range,
        "citations": [
            {"n": c.n, "sentence": c.sentence, "article_id": c.article_id, "source": c.source,
             "correct": ok, "verbatim": verbatim}
            for c, ok, verbatim in zip(result.citations, row["citation_correct"], row["citation_verbatim"])
        ],
        "passages": [
            {"rank": i, "passage_id": h.passage_id, "article_id": h.article_id, "score": h.score,
             "hit": m.is_hit(h.text, item["evidence"]) if item["evidence"] else False, "text": h.text}
            for i, h in enumerate(result.passages, 1)
        ],
    }


# ---- running ---------------------------------------------------------------------------------

def run_questions(items: list[dict], ask: Callable[[str], Answer], texts_of: Callable[[Answer], dict],
                  desc: str, progress: bool) -> tuple[list[dict], list[dict]]:
    rows, details = [], []
    for item in tqdm(items, desc=desc, unit="q", disable=not progress):
        start = time.perf_counter()
        result = ask(item["question"])
        latency = (time.perf_counter() - start) * 1000
        row = score_question(item, result, latency, texts_of(result))
        rows.append(row)
        details.append(detail(item, result, row))
    return rows, details


def evaluate_run(qa_path: Path, settings: Settings, limit: int | None = None, baseline: str | None = None,
                 progress: bool | None = None, reference_date: date | None = None) -> dict:
    """Metrics (and, under ``details``, the per-question results) of the system, and of the
    baseline when one is asked for, on the same questions in the same run."""
    items = read_qa(qa_path, limit)
    show = sys.stderr.isatty() if progress is None else progress
    store = open_store(settings)

    def texts_of(result: Answer) -> dict:
        cited = store.articles((c.article_id for c in result.citations), with_text=True)
        return {a.id: a.text for a in cited.values()}

    def ask(question: str) -> Answer:
        return answer(question, settings=settings, reference_date=reference_date)

    rows, details = run_questions(items, ask, texts_of, "eval", show)
    run = {"qa": str(qa_path), "store": store.label, "metrics": m.metrics_by_type(rows), "details": details,
           "reference_date": (reference_date or date.today()).isoformat()}
    if baseline:
        from app.evaluation.baseline import NaiveRAG

        naive = NaiveRAG.for_store(store, settings)
        base_rows, base_details = run_questions(items, naive.answer, lambda r: {}, f"baseline {baseline}", show)
        run["baseline"] = {"name": baseline, "metrics": m.metrics_by_type(base_rows), "details": base_details}
    return run


def evaluate(qa_path: Path, settings: Settings, limit: int | None = None, reference_date: date | None = None) -> dict:
    """The system's metrics on a QA file (the keys of ``newsqa eval --json``)."""
    return evaluate_run(qa_path, settings, limit, reference_date=reference_date)["metrics"]


def write_run(run: dict, out: Path) -> None:
    """metrics.json, results.jsonl (and baseline-results.jsonl) and report.html in ``out``."""
    from app.evaluation.report import render_report

    out.mkdir(parents=True, exist_ok=True)
    summary = {"qa": run["qa"], "store": run["store"], "reference_date": run["reference_date"], **run["metrics"]}
    if "baseline" in run:
        summary["baseline"] = {"name": run["baseline"]["name"], **run["baseline"]["metrics"]}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), "utf-8")
    _write_jsonl(out / "results.jsonl", run["details"])
    if "baseline" in run:
        _write_jsonl(out / "baseline-results.jsonl", run["baseline"]["details"])
    (out / "report.html").write_text(render_report(run), "utf-8")


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")


def _flat(prefix: str, value, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in m.GROUPS:
                _flat(f"{prefix}.{key}" if prefix else key, inner, out)
    else:
        shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        out.append(f"{prefix:44s} {shown}")


def format_metrics(metrics: dict) -> str:
    lines: list[str] = []
    _flat("", metrics, lines)
    for group in m.GROUPS:
        for name, inner in metrics.get(group, {}).items():
            lines.append(f"-- {group}.{name}")
            _flat(f"{group}.{name}", inner, lines)
    return "\n".join(lines)
