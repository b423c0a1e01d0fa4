"""One import shared by several ingest processes writing into one Chroma server.

    python bench/fanout.py [--articles 200] [--processes 2] [--threads 1] [--json]

Starts ``chroma run`` on a free loopback port (data in a temporary folder), writes the first N
MultiHop-RAG articles (``../shared/data``) to a JSONL file, then times, as whole ``newsqa ingest``
processes: one process ingesting all of them into one database, and P processes at once, process
k with ``--shard k/P``, into another. Reports both wall times, the speed-up, and whether the two
databases hold the same passages, each once. The single process embeds with the default threads;
each sharded one with ``--threads`` (``NEWSQA_EMBED_THREADS``), so that together they fit the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from users import free_port  # bench/users.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "multihop-rag" / "corpus.json"
BIN = Path(sys.executable).parent


def start_chroma(path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    sys.exit(f"chroma run did not answer on {url}")


def ingest(source: Path, url: str, cache: Path, shards: int, threads: int | None = None) -> float:
    """Seconds for ``shards`` processes (1: no --shard) to ingest ``source`` into ``url``."""
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "app.cli", "ingest", str(source), "--json",
                               *(["--shard", f"{k}/{shards}"] if shards > 1 else [])],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "NEWSQA_CHROMA_URL": url, "NEWSQA_CACHE": str(cache / str(k)),
                                   **({"NEWSQA_EMBED_THREADS": str(threads)} if threads else {})})
             for k in range(1, shards + 1)]
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode:
            sys.exit(err[-2000:])
    return time.perf_counter() - started


def passage_ids(url: str) -> list[str]:
    import chromadb

    host, port = url.removeprefix("http://").split("/")[0].split(":")
    client = chromadb.HttpClient(host=host, port=int(port), database=url.rsplit("/", 1)[1])
    collection = client.get_collection("passages")
    ids, offset = [], 0
    while batch := collection.get(include=[], limit=5000, offset=offset)["ids"]:
        ids += batch
        offset += len(batch)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                        help="embedding threads of each sharded process")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        articles = json.loads(CORPUS.read_text("utf-8"))[: args.articles]
        source = work / "articles.json"
        source.write_text(json.dumps(articles), "utf-8")
        server, url = start_chroma(work / "chroma")
        try:
            one = ingest(source, f"{url}/one", work / "cache-one", 1)
            many = ingest(source, f"{url}/many", work / "cache-many", args.processes, args.threads)
            a, b = passage_ids(f"{url}/one"), passage_ids(f"{url}/many")
        finally:
            server.terminate()
            server.wait(timeout=60)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "articles": args.articles, "processes": args.processes, "threads_each": args.threads,
        "one_process_s": round(one, 1), "sharded_s": round(many, 1), "speed_up": round(one / many, 2),
        "passages": len(b), "same_passages_each_once": len(b) == len(set(b)) and set(a) == set(b),
    }
    print(json.dumps(result, indent=2) if args.json else "\n".join(f"{k:26} {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
