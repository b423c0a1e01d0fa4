"""Chroma server mode (NEWSQA_CHROMA_URL): a real ``chroma run`` on 127.0.0.1, started here.
The store's behaviour is checked in both modes, then ingest and ask end to end through the CLI,
several processes sharing the server, a feed list kept on the server, and a server restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import DECREE, ROOT, SEED_ARTICLE

from app.errors import ConfigError
from app.store import ARTICLES, PASSAGES, NewsStore
from app.store.connection import REFRESH_S
from ingest.pipeline import ingest, ingest_and_remember, sync

BIN = Path(sys.executable).parent
NEWSQA = str(BIN / "newsqa")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """``chroma run --path DIR`` on a free loopback port; stop() and start() keep the data."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"chroma run did not answer on {self.url}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    chroma = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    chroma.start()
    yield chroma
    chroma.stop()


@pytest.fixture(params=["local", "server"])
def make_store(request, tmp_path, embedder):
    """A function opening a fresh, empty store of either kind (each call: the same store)."""
    if request.param == "local":
        return lambda: NewsStore.open(tmp_path / "store", embedder)
    server = request.getfixturevalue("server")
    url = f"{server.url}/{request.node.name.split('[')[0]}"  # a database of its own, created on first use
    return lambda: NewsStore.connect(url, embedder, tmp_path / "cache")


# ---- the store, in both modes ------------------------------------------------------------------

def test_ingest_reingest_edit_and_remove(make_store, tmp_path):
    store = make_store()
    report = ingest([SEED_ARTICLE, ROOT / "samples"], store, progress=False)
    assert len(report.added) == 6 and report.ok
    counts = {name: store.count(name) for name in (ARTICLES, PASSAGES)}
    counts["sentences"] = store.stats()["sentences"]
    again = ingest([SEED_ARTICLE, ROOT / "samples"], store, progress=False)
    assert len(again.unchanged) == 6 and {n: store.count(n) for n in (ARTICLES, PASSAGES)} == {
        n: counts[n] for n in (ARTICLES, PASSAGES)} and store.stats()["sentences"] == counts["sentences"]

    edited = tmp_path / SEED_ARTICLE.name
    edited.write_text(SEED_ARTICLE.read_text("utf-8") + "\n\nDer Text endet mit einem neuen Satz über Minsk.", "utf-8")
    assert len(ingest([edited], store, progress=False).updated) == 1
    assert store.count(ARTICLES) == 6 and store.stats()["sentences"] == counts["sentences"] + 1
    assert sorted(store.lexical_index().passage_ids) == sorted(store.collection(PASSAGES).get(include=[])["ids"])

    (gone,) = [a.id for a in store.list_articles() if a.title.startswith("Hochwasser")]
    passages = set(store.collection(PASSAGES).get(where={"article_id": gone})["ids"])
    store.remove([gone])
    assert store.count(ARTICLES) == 5 and not store.collection(PASSAGES).get(where={"article_id": gone})["ids"]
    assert passages and not passages & set(store.lexical_index().passage_ids)


def test_a_second_connection_sees_writes_in_dense_and_lexical_search(make_store):
    writer, reader = make_store(), make_store()
    ingest([SEED_ARTICLE], writer, progress=False)
    before = set(reader.lexical_index().passage_ids)
    ingest([ROOT / "samples"], writer, progress=False)
    time.sleep(REFRESH_S + 0.1)  # server mode reads the generation at most this often
    after = set(reader.lexical_index().passage_ids)
    assert before < after and len(after) == writer.count(PASSAGES)
    new = writer.collection(PASSAGES).get(where={"article_id": {"$ne": writer.list_articles()[-1].id}})["ids"]
    (pid,), _, vectors = reader.vectors(PASSAGES, new[-1:])
    assert pid in reader.query(PASSAGES, vectors[0], 3)[0]
    (sid, *_), texts, _, _ = reader.sentences_of([pid])  # the sentences come with the passage row
    assert sid.startswith(pid.split(":p")[0] + ":s") and texts[0]


def test_a_reader_follows_a_write_by_reading_only_what_changed(make_store, monkeypatch):
    """The reader's BM25 index takes in another process's write without reading every passage
    (server mode: the logged change; local mode: the writer's new segment), and then scores as an
    index built afresh from the store."""
    from app.store.lexical import LexicalIndex
    from app.store.segments import Segment

    writer, reader = make_store(), make_store()
    ingest([ROOT / "samples"], writer, progress=False)
    reader.lexical_index()
    reads, loads = [], []
    scan, load = reader.scan, Segment.load
    monkeypatch.setattr(reader, "scan", lambda name, include, where=None: reads.append((include, where)) or scan(name, include, where))
    monkeypatch.setattr(Segment, "load", classmethod(lambda cls, folder, name: loads.append(name) or load(folder, name)))
    ingest([SEED_ARTICLE], writer, progress=False)
    time.sleep(REFRESH_S + 0.1)
    index = reader.lexical_index()
    assert any(pid.startswith("f-belta") for pid in index.passage_ids)
    assert not [where for include, where in reads if "documents" in include and where is None]  # no full read
    assert len(loads) <= 1  # at most the one new segment
    fresh = LexicalIndex(None)
    fresh.use([writer._lexical_segment(None)], save=False)
    question = "Wer hat die Konvention gegen Cyberkriminalität unterzeichnet?"
    got, want = index.scores(question, "de"), fresh.scores(question, "de")
    assert {pid: got[index.position(pid)] for pid in index.passage_ids} == pytest.approx(
        {pid: want[fresh.position(pid)] for pid in fresh.passage_ids}, abs=1e-5)


def test_a_process_opening_a_local_store_trusts_the_index_its_last_writer_marked(tmp_path, embedder, monkeypatch):
    """The writer marks its saved BM25 index with the store generation it ended at: a process
    opening the store loads that index without reading every passage id, and checks in full
    once the generation is another."""
    writer = NewsStore.open(tmp_path / "store", embedder)
    ingest([ROOT / "samples"], writer, progress=False)
    reader = NewsStore.open(tmp_path / "store", embedder)
    reads = []
    scan = reader.scan
    monkeypatch.setattr(reader, "scan", lambda name, include, where=None: reads.append((name, where)) or scan(name, include, where))
    index = reader.lexical_index()
    assert (PASSAGES, None) not in reads
    assert sorted(index.passage_ids) == sorted(writer.collection(PASSAGES).get(include=[])["ids"])
    (tmp_path / "store" / "generation").write_text("written-by-a-process-that-did-not-mark", "ascii")
    reader.lexical_index()
    assert (PASSAGES, None) in reads


def test_server_mode_refuses_a_bad_address_clearly(embedder, tmp_path):
    with pytest.raises(ConfigError, match="Cannot reach the Chroma server.*chroma run"):
        NewsStore.connect(f"http://127.0.0.1:{free_port()}", embedder, tmp_path)
    with pytest.raises(ConfigError, match="http://HOST:PORT"):
        NewsStore.connect("localhost:8000", embedder, tmp_path)


# ---- end to end through the CLI, several processes, restart ----------------------------------------

def cli(*args, env=None, ok=True):
    done = subprocess.run([NEWSQA, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    return done


def test_cli_ingest_and_ask_through_the_server_survive_a_restart(server, tmp_path):
    env = {"NEWSQA_CHROMA_URL": server.url, "NEWSQA_CACHE": str(tmp_path / "cache")}
    added = json.loads(cli("ingest", SEED_ARTICLE, "--json", env=env).stdout)
    assert added["added"] == 1
    assert not (Path.cwd() / "store").exists() or (Path.cwd() / "store").resolve() != tmp_path  # no local store used

    def ask():
        result = json.loads(cli("ask", "Which decree authorised the signing?", "--json", env=env).stdout)
        return result["citations"][0]["sentence"]

    assert ask() == DECREE
    # another process, with its own cache, adds articles; this one's BM25 follows
    other = {**env, "NEWSQA_CACHE": str(tmp_path / "other-cache")}
    assert json.loads(cli("ingest", ROOT / "samples", "--json", env=other).stdout)["added"] == 5
    stats = json.loads(cli("stats", "--json", env=env).stdout)
    assert stats["articles"] == 6 and stats["store"] == server.url
    hochwasser = json.loads(cli("ask", "Wie hoch stand die Donau in Passau?", "--json", env=env).stdout)
    assert hochwasser["citations"][0]["title"].startswith("Hochwasser in Passau")

    server.stop()
    down = cli("ask", "Which decree authorised the signing?", env=env, ok=False)
    assert "Cannot reach the Chroma server" in down.stderr and "Traceback" not in down.stderr
    server.start()
    assert ask() == DECREE
    assert json.loads(cli("stats", "--json", env=env).stdout)["articles"] == 6


def test_feed_list_lives_on_the_server(server, tmp_path, embedder):
    from test_web_ingest import HAFEN, item, rss
    from webserver import Site, page

    site = Site()
    try:
        site.add("/de/hafen.html", page("Neues Fährterminal in Kiel eröffnet", "Kieler Nachrichten (Test)",
                                        "2025-11-14T10:15:00+01:00", "de", HAFEN))
        feed = site.add("/feed.rss", rss(site, [item("Kiel", link=site.url + "/de/hafen.html")]),
                        content_type="application/rss+xml")
        first = NewsStore.connect(server.url + "/feeds", embedder, tmp_path / "a")
        assert len(ingest_and_remember(first, feeds=[feed]).added) == 1
        elsewhere = NewsStore.connect(server.url + "/feeds", embedder, tmp_path / "b")  # another machine's process
        assert feed in elsewhere.feed_registry().load()
        polled = sync(elsewhere)
        assert polled.ok and not polled.added and site.hits["/feed.rss"] >= 2
    finally:
        site.close()


# ---- one import shared by several processes (newsqa ingest --shard) ---------------------------------

def test_shards_split_the_articles_between_them_and_refuse_bad_numbers(tmp_path):
    from app.errors import ConfigError
    from ingest.pipeline import Shard

    ids = [f"article-{i}" for i in range(300)]
    shards = [Shard.parse(f"{k}/3") for k in (1, 2, 3)]
    held = [[i for i in ids if shard.holds(i)] for shard in shards]
    assert sorted(sum(held, [])) == sorted(ids) and all(60 < len(part) < 140 for part in held)
    for bad in ("0/2", "3/2", "2", "a/b"):
        with pytest.raises(ConfigError, match=f"--shard {bad}: give K/N"):
            Shard.parse(bad)
    env = {"NEWSQA_STORE": str(tmp_path / "store")}
    refused = cli("ingest", SEED_ARTICLE, "--shard", "3/2", env=env, ok=False)
    assert "--shard 3/2: give K/N" in refused.stderr and "Traceback" not in refused.stderr
    feeds = cli("ingest", "--feed", "https://example.org/feed.rss", "--shard", "1/2", env=env, ok=False)
    assert "poll --feed from one process" in feeds.stderr and "Traceback" not in feeds.stderr


def test_writers_logging_at_once_get_numbers_of_their_own(server, embedder, tmp_path):
    """Concurrent writers each claim the next free change number; none is lost or shared."""
    from concurrent.futures import ThreadPoolExecutor

    from app.store.connection import RemoteChroma

    url = f"{server.url}/changelog"
    writers = [RemoteChroma(url) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        numbers = list(pool.map(lambda job: (job, writers[job % 3].log_change([f"a{job}"])), range(24)))
    assert sorted(n for _, n in numbers) == list(range(1, 25))
    reader = RemoteChroma(url)
    assert reader.changes_logged() == 24
    assert all(reader.change(number) == [f"a{job}"] for job, number in numbers)


def test_two_sharded_ingests_fill_one_server_store_once(server, tmp_path, embedder):
    """Two ``newsqa ingest --shard`` processes at once: every article written once, and a reader
    that was following the store takes in both by their logged changes."""
    url = f"{server.url}/fanout"
    reader = NewsStore.connect(url, embedder, tmp_path / "reader")
    ingest([SEED_ARTICLE], reader, progress=False)
    reader.lexical_index()
    env = {"NEWSQA_CHROMA_URL": url, "NEWSQA_WRITE_CHUNK": "1"}
    procs = [subprocess.Popen([NEWSQA, "ingest", str(ROOT / "samples"), "--shard", f"{k}/2", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, **env, "NEWSQA_CACHE": str(tmp_path / f"cache{k}")}) for k in (1, 2)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    assert all(r["added"] + r["elsewhere"] == 5 and r["added"] for r in reports)
    assert sum(r["added"] for r in reports) == 5

    local = NewsStore.open(tmp_path / "one", embedder)  # the same articles by one process
    ingest([SEED_ARTICLE, ROOT / "samples"], local, progress=False)
    shared = reader.collection(PASSAGES).get(include=[])["ids"]
    assert len(shared) == len(set(shared)) and set(shared) == set(local.collection(PASSAGES).get(include=[])["ids"])
    assert reader.count(ARTICLES) == 6
    time.sleep(REFRESH_S + 0.1)
    assert sorted(reader.lexical_index().passage_ids) == sorted(shared)


def test_repair_leaves_alone_the_articles_another_writer_is_storing(server, embedder, tmp_path):
    """Passages stored before their article row are a write under way while its writer has them
    in flight, and leftovers of a crashed write once it has not."""
    url = f"{server.url}/inflight"
    writer, other = (NewsStore.connect(url, embedder, tmp_path / name) for name in ("a", "b"))
    ingest([SEED_ARTICLE], writer, progress=False)
    (article,) = writer.list_articles()
    passages = lambda: writer.collection(PASSAGES).get(where={"article_id": article.id})["ids"]  # noqa: E731
    writer.collection(ARTICLES).delete(ids=[article.id])  # as between a write's passages and its article row
    with writer.chroma.in_flight([article.id]):
        assert other.chroma.in_flight_ids() == {article.id}
        assert other.repair() == 0 and passages()
    assert other.repair() == 1 and not passages()
