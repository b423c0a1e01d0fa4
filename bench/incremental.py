"""What adding a few articles to a large store costs, against adding them to an empty one.

    python bench/incremental.py [--store STORE] [--add N] [--repeats 3] [--json]

STORE defaults to the cached MultiHop-RAG evaluation store (609 articles; built by
``newsqa eval`` on MultiHop-RAG dev). The N articles added are the first N GNAD reports in
``../shared/data/gnad/articles.jsonl``: real, and in neither store. Each run is a whole
``newsqa ingest`` process (model load, embedding, Chroma writes, BM25) into a fresh copy of
STORE, and into a fresh empty store; the median of the repeats is reported, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def cached_multihop_store() -> Path:
    folder = Path(os.environ.get("NEWSQA_CACHE", "~/.cache/newsqa")).expanduser() / "eval-stores"
    found = sorted((p for p in folder.glob("corpus-*") if p.is_dir() and not p.name.endswith(".building")),
                   key=lambda p: p.stat().st_mtime)
    if not found:
        sys.exit("No cached MultiHop-RAG store: run newsqa eval on MultiHop-RAG dev first, or give --store.")
    return found[-1]


def timed_ingest(source: Path, store: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app.cli", "ingest", str(source), "--store", str(store)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-2000:])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--add", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = args.store or cached_multihop_store()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        lines = (SHARED / "gnad" / "articles.jsonl").read_text("utf-8").splitlines()[: args.add]
        source = work / "added.jsonl"
        source.write_text("\n".join(lines) + "\n", "utf-8")
        into_large, into_empty = [], []
        for run in range(args.repeats):
            copy = work / f"large{run}"
            shutil.copytree(base, copy)
            into_large.append(timed_ingest(source, copy))
            into_empty.append(timed_ingest(source, work / f"empty{run}"))
    large, empty = statistics.median(into_large), statistics.median(into_empty)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "store": base.name, "added": args.add, "runs": args.repeats,
        "into_store_s": [round(t, 1) for t in into_large], "into_empty_s": [round(t, 1) for t in into_empty],
        "median_into_store_s": round(large, 1), "median_into_empty_s": round(empty, 1),
        "store_over_empty": round(large / empty, 2),
    }
    print(json.dumps(result, indent=2) if args.json else "\n".join(f"{k:22} {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
