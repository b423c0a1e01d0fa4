"""Many chat sessions at once against ``newsqa serve``, through gradio_client.

    python bench/users.py [--store PATH] [--users 50] [--questions 3] [--out eval-out/users.json]
                          [--concurrency N] [--queue-size N]

Copies the store (by default the MultiHop-RAG store that ``newsqa eval`` caches, the newest
``~/.cache/newsqa/eval-stores/corpus-*`` with a ``ready`` file) to a temporary folder, starts
``newsqa serve`` on it on a free port and waits for its first answer. Then ``--users`` sessions,
each its own ``gradio_client.Client``, connect, wait for each other, and ask at the same moment,
each in turn: ``--questions`` different MultiHop-RAG dev questions, then a follow-up that leans on
the previous one ("And which outlets reported it?"), through the chat's streaming ``/ask`` endpoint
with the history the chat returned. Every answer is timed from submit to its final message.

An error is an exception in the client, an empty reply or a chat message starting with "⚠️" (an
error, or the busy message: counted apart too, with its slowest time); a session stops at its
first error. Prints a markdown table and writes the figures to ``--out``.
``--concurrency``/``--queue-size`` set NEWSQA_CONCURRENCY/NEWSQA_QUEUE_SIZE for the server.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import load_settings  # noqa: E402

QA = ROOT.parent / "shared" / "data" / "multihop-rag" / "qa.dev.jsonl"
FOLLOW_UP = "And which outlets reported it?"
START_LIMIT = 300  # seconds for the server to give its first answer
ANSWER_LIMIT = 600  # seconds one answer may take before it counts as an error (a hang)


def default_store() -> Path:
    stores = sorted((load_settings().cache.expanduser() / "eval-stores").glob("corpus-*/ready"),
                    key=lambda p: p.stat().st_mtime)
    if not stores:
        raise SystemExit("No cached MultiHop-RAG store: run 'newsqa eval --articles .../corpus.json' once, "
                         "or give --store.")
    return stores[-1].parent


def dev_questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in QA.read_text("utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows if r.get("answerable", True)]
    if len(questions) < n:
        raise SystemExit(f"{QA} holds {len(questions)} answerable questions; {n} are needed.")
    return questions[:n]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reply_text(history) -> str:
    content = history[-1]["content"] if history else ""
    if isinstance(content, list):
        content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def ask(client, question: str, history: list) -> tuple[list, float]:
    started = time.perf_counter()
    job = client.submit(question, history, "", "", [], [], 3, "extractive", api_name="/ask")
    history, _panel, _box = job.result(timeout=ANSWER_LIMIT)
    return history, time.perf_counter() - started


def run_session(url: str, questions: list[str], start: threading.Barrier, turns: list[dict], index: int) -> None:
    """One user: connect, wait for the others, then ask in turn; each answer appends one row."""
    from gradio_client import Client

    client = None
    try:
        client = Client(url, verbose=False)
    except Exception as err:  # noqa: BLE001 - a failed connection is a measured error
        turns.append({"session": index, "turn": 0, "kind": "connect", "seconds": None,
                      "error": f"{type(err).__name__}: {err}"})
    finally:
        start.wait()
    if client is None:
        return
    history: list = []
    for turn, (kind, question) in enumerate([("question", q) for q in questions] + [("follow-up", FOLLOW_UP)]):
        row = {"session": index, "turn": turn + 1, "kind": kind, "question": question, "seconds": None, "error": None}
        try:
            history, row["seconds"] = ask(client, question, history)
            text = reply_text(history)
            if not text.strip() or text.startswith("⚠️"):
                row["error"] = text.strip()[:200] or "empty reply"
            row["abstained"] = 'class="abstained"' in text
            row["messages"] = len(history)  # the history the chat returned, sent with the next turn
        except Exception as err:  # noqa: BLE001
            row["error"] = f"{type(err).__name__}: {err}"[:300]
        turns.append(row)
        if row["error"]:
            break  # a broken session stops, as a user would
    client.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def machine() -> str:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None) if Path("/proc/meminfo").exists() else None
    gb = f", {int(memory) / 2**20:.0f} GB RAM" if memory else ""
    return f"{platform.machine()}, {os.cpu_count()} cores{gb}, Python {platform.python_version()}"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def start_server(store: Path, port: int, env: dict, log) -> tuple[subprocess.Popen, float]:
    """``newsqa serve`` on ``store``; returns it with the seconds until its first answer."""
    from gradio_client import Client

    started = time.perf_counter()
    server = subprocess.Popen([str(Path(sys.executable).with_name("newsqa")), "serve", "--store", str(store),
                               "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while True:
        if server.poll() is not None:
            raise SystemExit(f"newsqa serve exited with {server.returncode}; see {log.name}")
        if time.perf_counter() - started > START_LIMIT:
            server.terminate()
            raise SystemExit(f"newsqa serve gave no answer within {START_LIMIT} s; see {log.name}")
        try:
            client = Client(url, verbose=False)
            break
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.5)
    history, _ = ask(client, "Who is Sam Bankman-Fried?", [])  # loads the models; not counted
    client.close()
    if not reply_text(history) or reply_text(history).startswith("⚠️"):
        raise SystemExit(f"newsqa serve's first answer failed: {reply_text(history)[:300]}")
    return server, time.perf_counter() - started


def summarise(turns: list[dict], wall: float) -> dict:
    answered = [t["seconds"] for t in turns if t["seconds"] is not None and not t["error"]]
    errors = [t for t in turns if t["error"]]
    stats = {"answers": len(answered), "errors": len(errors), "wall_s": round(wall, 1),
             "answers_per_s": round(len(answered) / wall, 2) if wall else None}
    if answered:
        stats.update({"p50_s": round(percentile(answered, 0.50), 2), "p95_s": round(percentile(answered, 0.95), 2),
                      "max_s": round(max(answered), 2), "min_s": round(min(answered), 2)})
    follow_ups = [t["seconds"] for t in turns if t["kind"] == "follow-up" and not t["error"]]
    if follow_ups:
        stats["follow_up_p50_s"] = round(percentile(follow_ups, 0.50), 2)
    stats["abstained"] = sum(1 for t in turns if t.get("abstained"))
    busy = [t["seconds"] for t in errors if "newsqa is busy" in t["error"]]
    if busy:
        stats.update({"busy": len(busy), "busy_max_s": round(max(busy), 2)})
    stats["error_examples"] = sorted({t["error"] for t in errors})[:5]
    return stats


def table(result: dict) -> str:
    s = result["stats"]
    errors = f"{s['errors']}" + (f" ({s['busy']} busy, slowest {s['busy_max_s']} s)" if s.get("busy") else "")
    return "\n".join([
        "| sessions | answers (each: questions + follow-up) | errors | p50 | p95 | max | wall | throughput "
        "| concurrency / queue_size | load average before → after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {result['users']} | {s['answers']} ({result['questions']} + 1) | {errors} | {s.get('p50_s')} s "
        f"| {s.get('p95_s')} s | {s.get('max_s')} s | {s['wall_s']} s | {s['answers_per_s']} answers/s "
        f"| {result['concurrency']} / {result['queue_size']} | {result['load_before']} → {result['load_after']} |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="store to serve (copied first); default: cached MultiHop-RAG")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3, help="dev questions per session, before the follow-up")
    parser.add_argument("--concurrency", type=int, help="NEWSQA_CONCURRENCY for the server")
    parser.add_argument("--queue-size", type=int, help="NEWSQA_QUEUE_SIZE for the server")
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "users.json", help="JSON results")
    args = parser.parse_args()

    env = dict(os.environ)
    for name, value in (("NEWSQA_CONCURRENCY", args.concurrency), ("NEWSQA_QUEUE_SIZE", args.queue_size)):
        if value is not None:
            env[name] = str(value)
    settings = load_settings(**{k: v for k, v in (("concurrency", args.concurrency),
                                                   ("queue_size", args.queue_size)) if v is not None})
    source = args.store or default_store()
    questions = dev_questions(args.users * args.questions)

    with tempfile.TemporaryDirectory(prefix="newsqa-users-") as folder:
        store = Path(folder) / "store"
        shutil.copytree(source, store)  # the server never writes into the cache
        log = open(Path(folder) / "serve.log", "w")  # noqa: SIM115 - closed below, with the server
        port = free_port()
        server, first_answer_s = start_server(store, port, env, log)
        try:
            turns: list[dict] = []
            start = threading.Barrier(args.users + 1)
            url = f"http://127.0.0.1:{port}/"
            sessions = [threading.Thread(target=run_session, daemon=True,
                                         args=(url, questions[i * args.questions:(i + 1) * args.questions],
                                               start, turns, i)) for i in range(args.users)]
            for thread in sessions:
                thread.start()
            start.wait()  # every session is connected
            load_before = os.getloadavg()
            began = time.perf_counter()
            for thread in sessions:
                thread.join()
            wall = time.perf_counter() - began
            load_after = os.getloadavg()
        finally:
            server.terminate()  # the server this script started, by its own handle
            server.wait(30)
            log.close()

    result = {
        "machine": machine(), "command": " ".join(["python", "bench/users.py", *sys.argv[1:]]),
        "store": str(source), "users": args.users, "questions": args.questions,
        "concurrency": settings.concurrency, "queue_size": settings.queue_size,
        "serve_to_first_answer_s": round(first_answer_s, 1),
        "load_before": " ".join(f"{x:.2f}" for x in load_before),
        "load_after": " ".join(f"{x:.2f}" for x in load_after), "uptime_after": uptime(),
        "stats": summarise(turns, wall), "turns": sorted(turns, key=lambda t: (t["session"], t["turn"])),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")
    print(f"{result['machine']}; store {source.name}; serve → first answer {result['serve_to_first_answer_s']} s")
    print(table(result))
    if result["stats"]["error_examples"]:
        print("errors:", *result["stats"]["error_examples"], sep="\n  ")
    print(f"figures and every turn: {args.out}")


if __name__ == "__main__":
    main()
