"""One writer at a time, readers that keep answering while it writes, and an ingest that survives
being killed (issue "Reliability"). The writers are real ``newsqa`` processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import MULTIHOP, SEED_ARTICLE, cached_store, stored_sentences

from app.config import load_settings
from app.errors import EmptyStoreError
from app.store import ARTICLES, PASSAGES, NewsStore
from app.store.lexical import LexicalIndex, fingerprint
from app.store.writelock import StoreBusyError, WriteLock

NEWSQA = str(Path(sys.executable).with_name("newsqa"))


def newsqa(*args, env=None, **kw) -> subprocess.Popen:
    return subprocess.Popen([NEWSQA, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})}, **kw)


def holder(store: Path) -> dict:
    try:
        return json.loads((store / "write.lock").read_text() or "{}")
    except (OSError, ValueError):
        return {}


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def forty_articles(tmp_path_factory) -> Path:
    """40 MultiHop-RAG articles: ~15 s of ingest, long enough to act during it."""
    rows = json.loads((MULTIHOP / "corpus.json").read_text("utf-8"))[:40]
    path = tmp_path_factory.mktemp("forty") / "forty.json"
    path.write_text(json.dumps(rows), "utf-8")
    return path


def test_lock_is_reentrant_in_one_process_and_exclusive_across_open_files(tmp_path):
    lock = WriteLock(tmp_path / "write.lock", "S")
    other = WriteLock(tmp_path / "write.lock", "S")  # a second open file: as another process would
    with lock.hold():
        with lock.hold():
            assert holder(tmp_path)["pid"] == os.getpid()
        with pytest.raises(StoreBusyError, match=rf"S is being written by process {os.getpid()}.*--wait"):
            with other.hold(wait=0.2):
                pass
    with other.hold():  # released with the outer block
        assert holder(tmp_path)["pid"] == os.getpid()
    assert holder(tmp_path) == {}


def test_a_read_that_meets_a_half_written_index_is_tried_again_after_a_reload(tmp_path, embedder, monkeypatch):
    """A reload can land while another process writes its vector index to disk: Chroma then fails
    the read ("Error getting embedding"). The read is tried again, reloading each time, and the
    error surfaces only when it persists."""
    from chromadb.errors import InternalError

    from app.store import chroma_fixes as store_module

    monkeypatch.setattr(store_module, "READ_RETRIES", (0.0, 0.01, 0.02))
    reader = NewsStore.open(tmp_path / "store", embedder)
    failures = iter([InternalError("Error executing plan: Internal error: Error getting embedding")] * 2)

    def read():
        if (err := next(failures, None)) is not None:
            raise err
        return reader.count(PASSAGES)

    epoch = reader.chroma.epoch
    assert reader._fresh_read(read) == 0
    assert reader.chroma.epoch == epoch + 2  # one reload before each further try

    def broken():
        raise InternalError("Error executing plan: Internal error: Error getting embedding")

    epoch = reader.chroma.epoch
    with pytest.raises(InternalError, match="getting embedding"):
        reader._fresh_read(broken)
    assert reader.chroma.epoch == epoch + 3
    assert reader.count(PASSAGES) == 0  # the store still answers afterwards


def test_second_writer_fails_fast_waits_when_asked_and_readers_keep_answering(tmp_path, forty_articles, embedder):
    store = tmp_path / "store"
    reader = NewsStore.open(store, embedder)  # opened before any write, as a running chat would be
    settings = load_settings(store=store)
    writer = newsqa("ingest", forty_articles, "--store", store, env={"NEWSQA_WRITE_CHUNK": "8"})
    wait_for(lambda: holder(store).get("pid") == writer.pid, 30, "the writer to take the lock")

    second = subprocess.run([NEWSQA, "ingest", SEED_ARTICLE, "--store", store], capture_output=True, text=True)
    assert second.returncode == 2 and writer.poll() is None, second.stderr  # refused, not queued
    assert f"is being written by process {writer.pid}" in second.stderr and "--wait" in second.stderr
    queued = newsqa("ingest", SEED_ARTICLE, "--store", store, "--wait")

    # The reader answers throughout, and finds each new article by vector search once it is
    # visible in the database (the reader reloads its view of the vector index).
    from app.answering.engine import answer

    seen: set[str] = set()
    found: set[str] = set()
    answers = 0

    def look() -> bool:
        seen.update(reader.collection(ARTICLES).get(include=[])["ids"])
        for article_id in seen - found:
            (passage_id,) = reader.collection(PASSAGES).get(where={"article_id": article_id}, limit=1)["ids"]
            _, _, vectors = reader.vectors(PASSAGES, [passage_id])  # the app's read of new rows
            if passage_id in reader.query(PASSAGES, vectors[0], 3)[0]:
                found.add(article_id)
        return bool(seen) and found == seen

    while writer.poll() is None:
        before = reader.count(ARTICLES)  # counts only grow: an empty store now was empty before
        try:
            result = answer("What did TechCrunch report about the company?", settings=settings)
            answers += 1
            assert result.abstained or result.citations
        except EmptyStoreError:
            assert before == 0
        look()
        time.sleep(0.2)
    seen_while_writing, found_while_writing = len(seen), len(found)
    assert writer.wait() == 0, writer.stderr.read()
    assert queued.wait(timeout=120) == 0, queued.stderr.read()
    assert "added 1" in queued.stdout.read()
    assert answers > 5 and seen_while_writing >= 32  # at least four of the five chunks seen while writing
    assert found_while_writing >= 8  # new rows reached vector search while the writer still ran (a chunk is 8)
    wait_for(look, 60, "the reader to find every article by vector search")
    print(f"\n{answers} answers during the ingest; {found_while_writing} of {seen_while_writing} "
          "articles seen while writing were found by vector search before it ended")
    stats = json.loads(subprocess.run([NEWSQA, "stats", "--store", store, "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    assert stats["articles"] == 41


def test_killed_writer_leaves_no_lock_and_the_next_run_repairs(tmp_path, forty_articles, embedder):
    store = tmp_path / "store"
    writer = newsqa("ingest", forty_articles, "--store", store, env={"NEWSQA_WRITE_CHUNK": "4"})
    wait_for(lambda: (store / "lexical.pending").exists(), 60, "the first write")
    time.sleep(1.5)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    done = subprocess.run([NEWSQA, "ingest", forty_articles, "--store", store, "--json"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["added"] + report["unchanged"] == 40 and not report["failed"]
    assert not (store / "lexical.pending").exists() and holder(store) == {}
    repaired = NewsStore.open(store, embedder)
    articles = repaired.collection(ARTICLES).get(include=["metadatas"])
    sentences = stored_sentences(repaired)
    per_article: dict[str, int] = {}
    for meta in sentences["metadatas"]:
        per_article[meta["article_id"]] = per_article.get(meta["article_id"], 0) + 1
    assert per_article == {i: m["n_sentences"] for i, m in zip(articles["ids"], articles["metadatas"])}


# ---- SIGKILL during a whole-corpus ingest ---------------------------------------------------------

KILLS = 20


@pytest.mark.slow
def test_ingest_killed_twenty_times_ends_equal_to_a_clean_ingest(tmp_path_factory, tmp_path, embedder):
    """Kill ``newsqa ingest`` of the MultiHop-RAG corpus with SIGKILL at random moments, restart it
    each time, then let it finish: the store must equal one built without interruption."""
    clean_path = cached_store("multihop", [MULTIHOP / "corpus.json"], tmp_path_factory)
    store = tmp_path / "crashed"
    rng = random.Random(20261129)
    env = {"NEWSQA_WRITE_CHUNK": "8"}  # ~3 s per chunk: kills land in embedding and in writes alike
    kills, log = 0, []
    while kills < KILLS:
        proc = newsqa("ingest", MULTIHOP / "corpus.json", "--store", store, env=env)
        delay = rng.uniform(3.0, 12.0)
        try:
            code = proc.wait(timeout=delay)
            log.append(f"finished before the kill ({delay:.1f} s): {code}")
            assert code == 0, proc.stderr.read()
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            log.append(f"killed after {delay:.1f} s")
    final = newsqa("ingest", MULTIHOP / "corpus.json", "--store", store, "--json", env=env)
    try:
        assert final.wait(timeout=3600) == 0, final.stderr.read()
    finally:
        final.kill()
    print("\n".join(log))

    crashed = NewsStore.open(store, embedder)
    crashed.count(PASSAGES)
    clean = NewsStore.open(clean_path, embedder)
    for name in (ARTICLES, PASSAGES):
        a = crashed.scan(name, ["documents", "metadatas"])
        b = clean.scan(name, ["documents", "metadatas"])
        assert len(a["ids"]) == len(set(a["ids"])) == len(b["ids"]), name  # counts equal, no duplicates
        assert dict(zip(a["ids"], a["documents"])) == dict(zip(b["ids"], b["documents"])), name
        assert dict(zip(a["ids"], a["metadatas"])) == dict(zip(b["ids"], b["metadatas"])), name

    # Every passage is readable and found by its own vector; the BM25 index agrees with Chroma.
    got = crashed.scan(PASSAGES, ["documents", "embeddings"])
    assert all(got["documents"])
    vectors = np.asarray(got["embeddings"], np.float32)
    texts = dict(zip(got["ids"], got["documents"]))
    missed = []
    for start in range(0, len(got["ids"]), 100):  # Chroma binds each result id as an SQL variable
        batch = crashed.collection(PASSAGES).query(query_embeddings=vectors[start:start + 100].tolist(),
                                                   n_results=3, include=["documents"])
        for own, ids, docs in zip(got["ids"][start:start + 100], batch["ids"], batch["documents"]):
            if own not in ids and texts[own] not in docs:
                missed.append(own)
    assert not missed, missed[:5]
    saved = LexicalIndex(store / "lexical")
    assert saved.load() and saved.fingerprint == fingerprint(got["ids"])
    assert not (store / "lexical.pending").exists()
    crashed.lexical = LexicalIndex(None)  # a BM25 index built afresh from what Chroma holds now
    crashed._build_lexical(save=False)
    # Scores equal passage by passage over the live positions (a write killed before its BM25 save
    # is repaired by the next one, which deletes those passages' old positions and adds them anew).
    assert sorted(saved.passage_ids) == sorted(got["ids"])
    for own in rng.sample(got["ids"], 50):
        fresh = dict(zip(crashed.lexical.ids, crashed.lexical.scores(texts[own])))
        assert np.allclose([fresh[i] for i in saved.passage_ids], saved.scores(texts[own])[saved.live], atol=1e-5)
