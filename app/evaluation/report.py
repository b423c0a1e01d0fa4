"""The evaluation report: one self-contained HTML page (tables and inline SVG plots), and the
comparison of two runs."""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from pathlib import Path

from app.errors import NewsQAError

KEYS = [
    ("retrieval", "hit_at_1"), ("retrieval", "hit_at_5"), ("retrieval", "hit_at_10"), ("retrieval", "mrr_at_10"),
    ("retrieval", "map_at_10"), ("retrieval", "evidence_recall_at_10"), ("answer", "contains"),
    ("answer", "exact_match"), ("answer", "f1"), ("answer", "multihop_accuracy"), ("short_answer", "contains"),
    ("short_answer", "exact_match"), ("short_answer", "f1"), ("citations", "recall"),
    ("citations", "precision"), ("citations", "verbatim"), ("abstention", "correct_rate"),
    ("abstention", "false_rate"), ("latency_ms", "p50"), ("latency_ms", "p95"),
]
COLOURS = ("#2b6cb0", "#c05621")


def _fmt(value) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def hit_curve(details: list[dict], k: int = 10) -> list[float]:
    ranks = [d["hit_rank"] for d in details if d["answerable"] and d["evidence_count"]]
    if not ranks:
        return [0.0] * k
    return [sum(1 for r in ranks if r is not None and r <= i) / len(ranks) for i in range(1, k + 1)]


def _svg_lines(series: dict[str, list[float]], title: str) -> str:
    width, height, pad = 420, 220, 36
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
             f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" stroke="#999"/>',
             f'<line x1="{pad}" y1="24" x2="{pad}" y2="{height - pad}" stroke="#999"/>']
    for tick in (0, 0.5, 1.0):
        y = height - pad - tick * (height - pad - 24)
        parts.append(f'<text x="{pad - 4}" y="{y + 4}" text-anchor="end" font-size="10">{tick:.1f}</text>')
    for index, (name, values) in enumerate(series.items()):
        step = (width - pad - 20) / max(1, len(values) - 1)
        points = " ".join(f"{pad + i * step:.1f},{height - pad - v * (height - pad - 24):.1f}" for i, v in enumerate(values))
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<text x="{width - 12}" y="{40 + 14 * index}" text-anchor="end" font-size="11" fill="{colour}">{escape(name)}</text>')
    for i in range(len(next(iter(series.values()), []))):
        step = (width - pad - 20) / 9
        parts.append(f'<text x="{pad + i * step:.1f}" y="{height - pad + 14}" text-anchor="middle" font-size="10">{i + 1}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_bars(groups: dict[str, list[float | None]], names: list[str], title: str) -> str:
    width, height, pad = max(280, 60 + 70 * len(groups)), 220, 36
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
             f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>']
    top = max([v for values in groups.values() for v in values if v is not None] or [1.0]) or 1.0
    for g, (label, values) in enumerate(groups.items()):
        for s, value in enumerate(values):
            if value is None:
                continue
            h = (height - pad - 24) * value / top
            x = pad + g * 70 + s * 22
            parts.append(f'<rect x="{x}" y="{height - pad - h:.1f}" width="20" height="{h:.1f}" fill="{COLOURS[s % 2]}">'
                         f'<title>{escape(names[s])}: {value:.3f}</title></rect>')
        parts.append(f'<text x="{pad + g * 70 + 20}" y="{height - pad + 14}" text-anchor="middle" font-size="10">{escape(label[:12])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram(values: list[float], bins: int = 12) -> dict[str, list[float]]:
    if not values:
        return {}
    low, high = min(values), max(values)
    width = (high - low) / bins or 1.0
    counts = Counter(min(int((v - low) / width), bins - 1) for v in values)
    return {f"{low + i * width:.0f}": [counts.get(i, 0)] for i in range(bins)}


def _metric_table(run: dict) -> str:
    cols = ["system"] + ([f"baseline ({run['baseline']['name']})"] if "baseline" in run else [])
    rows = []
    for group, key in KEYS:
        cells = [_fmt(run["metrics"][group][key])]
        if "baseline" in run:
            cells.append(_fmt(run["baseline"]["metrics"][group][key]))
        rows.append(f"<tr><th>{group}.{key}</th>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "<tr><th>metric</th>" + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _group_table(metrics: dict, group: str) -> str:
    keys = [("retrieval", "hit_at_10"), ("retrieval", "mrr_at_10"), ("answer", "contains"), ("short_answer", "contains"),
            ("citations", "recall"), ("abstention", "correct_rate"), ("abstention", "false_rate")]
    head = "<tr><th>" + escape(group) + "</th><th>n</th>" + "".join(f"<th>{g}.{k}</th>" for g, k in keys) + "</tr>"
    rows = [
        f"<tr><th>{escape(name)}</th><td>{inner['n']}</td>" + "".join(f"<td>{_fmt(inner[g][k])}</td>" for g, k in keys) + "</tr>"
        for name, inner in metrics.get(group, {}).items()
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _question_rows(details: list[dict]) -> str:
    rows = []
    for d in details:
        cited = "<br>".join(f"[{c['n']}] {'✔' if c['correct'] else '✘'} {escape(c['sentence'])}" for c in d["citations"])
        rows.append(
            f"<tr class=\"{'ok' if d['failure'] == 'ok' else 'bad'}\"><td>{escape(str(d['id']))}</td>"
            f"<td>{escape(d['question'])}</td><td>{escape(', '.join(d['gold_answers']))}</td>"
            f"<td>{escape(d['failure'])}</td><td>{_fmt(d['hit_rank'])}</td><td>{cited}</td></tr>"
        )
    head = "<tr><th>id</th><th>question</th><th>gold</th><th>result</th><th>hit rank</th><th>citations</th></tr>"
    return f"<table class=\"questions\">{head}{''.join(rows)}</table>"


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
tr.bad td:nth-child(4){color:#b00}tr.ok td:nth-child(4){color:#060}.plots svg{margin-right:1.5em}"""


def render_report(run: dict) -> str:
    """The whole report as one HTML page with no external resources."""
    metrics, details = run["metrics"], run["details"]
    curves = {"system": hit_curve(details)}
    if "baseline" in run:
        curves[f"baseline ({run['baseline']['name']})"] = hit_curve(run["baseline"]["details"])
    names = ["system"] + ([run["baseline"]["name"]] if "baseline" in run else [])
    per_type = {
        t: [inner["answer"]["contains"]] + ([run["baseline"]["metrics"]["by_type"][t]["answer"]["contains"]] if "baseline" in run else [])
        for t, inner in metrics["by_type"].items()
    }
    reasons = Counter(d["failure"] for d in details)
    latency = _histogram([d["latency_ms"] for d in details])
    payload = json.dumps({"metrics": metrics, **({"baseline": run["baseline"]["metrics"]} if "baseline" in run else {})})
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>newsqa evaluation</title>
<style>{STYLE}</style></head><body>
<h1>newsqa evaluation</h1>
<p>QA set <code>{escape(run['qa'])}</code> · store <code>{escape(run['store'])}</code> · {metrics['n']} questions</p>
<h2>Metrics</h2>{_metric_table(run)}
<h2>Plots</h2><div class="plots">{_svg_lines(curves, 'hit@k (answerable questions)')}
{_svg_bars(per_type, names, 'answer contains, by type')}
{_svg_bars(latency, ['questions'], 'latency histogram (ms)') if latency else ''}</div>
<h2>By type</h2>{_group_table(metrics, 'by_type')}
<h2>By language</h2>{_group_table(metrics, 'by_lang')}
<h2>By half (tuning / checking, by a hash of the question id)</h2>{_group_table(metrics, 'by_half')}
<h2>Outcomes</h2><table>{''.join(f'<tr><th>{escape(k)}</th><td>{v}</td></tr>' for k, v in reasons.most_common())}</table>
<h2>Questions</h2>{_question_rows(details)}
<script type="application/json" id="metrics">{escape(payload, quote=False)}</script>
</body></html>
"""


# ---- comparing two runs ------------------------------------------------------------------------

def _load_run(folder: Path) -> tuple[dict, dict[str, dict]]:
    try:
        metrics = json.loads((folder / "metrics.json").read_text("utf-8"))
        results = {}
        for line in (folder / "results.jsonl").read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                results[str(row["id"])] = row
    except (OSError, ValueError) as err:
        raise NewsQAError(f"{folder} is not an eval run ({err}): make one with 'newsqa eval QA --out {folder}'.") from None
    return metrics, results


def compare_runs(a: Path, b: Path) -> str:
    """What changed between two ``--out`` folders: metric deltas and questions that flipped."""
    metrics_a, results_a = _load_run(Path(a))
    metrics_b, results_b = _load_run(Path(b))
    lines = [f"{'metric':36s} {'A':>8s} {'B':>8s} {'B-A':>8s}"]
    for group, key in KEYS:
        va, vb = metrics_a.get(group, {}).get(key), metrics_b.get(group, {}).get(key)
        delta = f"{vb - va:+.3f}" if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else "–"
        lines.append(f"{group + '.' + key:36s} {_fmt(va):>8s} {_fmt(vb):>8s} {delta:>8s}")
    fixed, broken = [], []
    for qid in sorted(set(results_a) & set(results_b)):
        was, now = results_a[qid]["failure"], results_b[qid]["failure"]
        if (was == "ok") != (now == "ok"):
            (fixed if now == "ok" else broken).append(f"  {qid}: {was} -> {now}  {results_b[qid]['question'][:80]}")
    lines.append(f"\nfixed in B ({len(fixed)}):")
    lines += fixed or ["  none"]
    lines.append(f"broken in B ({len(broken)}):")
    lines += broken or ["  none"]
    only = len(set(results_a) ^ set(results_b))
    if only:
        lines.append(f"({only} questions appear in only one run)")
    return "\n".join(lines)
