"""The news store: Chroma collections for articles, passages and sentences, plus BM25 beside them.

Write order per batch of articles: old passages and sentences are deleted, new sentences and
passages are added, and the article record goes in last. The article record (with its content
hash) is the commit marker: an article whose record is missing is ingested again from scratch,
and leftovers of an interrupted write are deleted before that.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.connection import RemoteChroma, local_chroma
from app.embeddings import Embedder
from app.errors import ConfigError
from app.lexical import LexicalIndex, boilerplate_share, fingerprint
from app.writelock import WriteLock, write_lock
from ingest.dates import published_timestamp
from ingest.model import Article, Passage, Sentence

log = logging.getLogger(__name__)

ARTICLES, PASSAGES, SENTENCES = "articles", "passages", "sentences"
# Metadata copied onto passages and sentences so that filters work at every level.
FILTER_FIELDS = ("source", "language", "category")
SCAN_PAGE = 10_000  # rows per read when reading a whole collection
LOST_DEPTH = 100  # a row not among its own vector's nearest neighbours this deep is lost
VECTOR_CACHE_ROWS = 200_000  # rows whose vectors ``vectors`` keeps in memory (~400 MB at 512 dimensions)
SOURCES_RECHECK_S = 1.0  # how stale the cached list of outlets may be (another process may write)
READ_RETRIES = (0.0, 0.1, 0.2, 0.4, 0.8, 1.6)  # pauses (s) before reads tried again after a reload
SYNC_THRESHOLD = 1000  # Chroma's default: writes its vector index to disk every this many rows


@dataclass(frozen=True)
class StoredArticle:
    id: str
    title: str
    source: str
    url: str
    author: str
    published: str
    language: str
    category: str
    place: str
    text: str = ""
    group: str = ""

    @classmethod
    def from_chroma(cls, article_id: str, meta: dict, text: str = "") -> "StoredArticle":
        return cls(
            id=article_id,
            text=text or "",
            group=str(meta.get("group") or article_id),
            **{f: str(meta.get(f, "")) for f in
               ("title", "source", "url", "author", "published", "language", "category", "place")},
        )


@dataclass(frozen=True)
class PreparedArticle:
    """An article split and embedded, ready to be written."""

    article: Article
    sentences: list[Sentence]
    passages: list[Passage]
    sentence_vectors: np.ndarray
    passage_vectors: np.ndarray
    group: str = ""  # id of the story's first stored copy (near-identical wire copies share it)
    minhash: str = ""  # MinHash signature (hex) and its band keys, to find later copies
    bands: tuple[str, ...] = ()


def _article_meta(item: PreparedArticle) -> dict:
    article, n_sentences, n_passages = item.article, len(item.sentences), len(item.passages)
    meta = {
        "title": article.title, "source": article.source, "url": article.url,
        "author": article.author, "published": article.published, "language": article.language,
        "category": article.category, "place": article.place, "body_start": article.body_start,
        "content_hash": article.content_hash(), "n_sentences": n_sentences, "n_passages": n_passages,
        "group": item.group or article.id, "minhash": item.minhash,
        **{f"band_{i}": band for i, band in enumerate(item.bands)},
    }
    stamp = published_timestamp(article.published)
    if stamp is not None:
        meta["published_ts"] = stamp
    return meta


def _shared_meta(item: PreparedArticle) -> dict:
    article = item.article
    meta = {"article_id": article.id, "group": item.group or article.id,
            **{f: getattr(article, f) for f in FILTER_FIELDS}}
    stamp = published_timestamp(article.published)
    if stamp is not None:
        meta["published_ts"] = stamp
    return meta


class NewsStore:
    def __init__(self, chroma, embedder: Embedder, lexical_dir: Path | None, label: str,
                 lock: WriteLock | None = None, remote: bool = False) -> None:
        self.chroma = chroma  # app.connection: .client, .epoch, .refresh(), .wrote()
        self.embedder = embedder
        self.label = label
        self.write_wait = 0.0  # seconds a write waits for another writer (NEWSQA_WRITE_WAIT)
        self._lock = lock
        self._epoch = -1
        self._bind()
        built_with = (self._collections[PASSAGES].metadata or {}).get("embedder", embedder.name)
        if built_with != embedder.name:
            raise ConfigError(
                f"The store {label} was built with the embedder '{built_with}', not '{embedder.name}': "
                f"set NEWSQA_EMBEDDER={built_with}, or ingest into a new store."
            )
        self._sources: tuple[int, list[str]] | None = None
        self._vector_cache: tuple[str | None, dict] = (None, {})
        self._sources_checked = 0.0
        self._written: set[str] = set()  # passages added since the last ``settle``
        self.lexical = LexicalIndex(lexical_dir)
        self.remote = remote
        self.folder: Path | None = None  # the local store's directory (state beside Chroma lives there)

    def _bind(self) -> None:
        """Collection handles from the connection's current client."""
        client = self.chroma.client
        self._collections = {
            name: client.get_or_create_collection(
                name,
                embedding_function=None,  # vectors always come from our own embedder
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.embedder.name},
            )
            for name in (ARTICLES, PASSAGES, SENTENCES)
        }
        self._batch = max(1, min(client.get_max_batch_size(), 5000))
        self._vectorstore = None
        self._epoch = self.chroma.epoch

    def _col(self, name: str):
        """A collection, reloaded first when another process has written since."""
        self.chroma.refresh()
        if self.chroma.epoch != self._epoch:
            self._bind()
        return self._collections[name]

    def _fresh_read(self, read):
        """``read()``, again after a reload when another process wrote rows this process's loaded
        vector index does not hold yet (Chroma then fails with "Error finding id"). A reload
        that lands while the writer is putting its vector index on disk can see the files half
        written ("Error getting embedding"): the read is tried again a little later, reloading
        each time, for up to ~3 s (``READ_RETRIES``) before the error is raised."""
        from chromadb.errors import InternalError

        pauses = READ_RETRIES if hasattr(self.chroma, "reload") else ()  # a server keeps its own index
        for pause in (*pauses, None):
            try:
                return read()
            except InternalError as err:
                if pause is None:
                    raise
                log.debug("read of %s failed (%s); reloading", self.label, err)
            time.sleep(pause)
            self.chroma.reload()

    @property
    def client(self):
        return self.chroma.client

    @classmethod
    def open(cls, path: Path, embedder: Embedder) -> "NewsStore":
        path = store_folder(path)
        store = cls(local_chroma(path), embedder, path / "lexical", label=str(path),
                    lock=write_lock(path))
        store.folder = path
        return store

    @classmethod
    def connect(cls, url: str, embedder: Embedder, cache: Path) -> "NewsStore":
        """The store on a Chroma server. Each machine keeps its own copy of the BM25 index under
        ``cache``, rebuilt from the server whenever the server's passages change."""
        import hashlib

        chroma = RemoteChroma(url)
        key = hashlib.sha1(f"{url}|{embedder.name}".encode()).hexdigest()[:12]
        return cls(chroma, embedder, Path(cache).expanduser() / "server-lexical" / key / "lexical", label=url,
                   remote=True)

    def feed_registry(self):
        """Where the feeds polled into this store are remembered (for ``newsqa sync``)."""
        from ingest.feeds import FeedRegistry, StateFeedRegistry

        return StateFeedRegistry(self.chroma) if self.remote else FeedRegistry(self.folder)

    @contextmanager
    def writing(self, wait: float | None = None):
        """Hold the store's write lock for the block (re-entrant; see app.writelock)."""
        if self._lock is None:
            yield
            return
        with self._lock.hold(self.write_wait if wait is None else wait):
            yield

    def vectorstore(self):
        """The passages as a LangChain vector store (built once: building it costs ~3 ms)."""
        self._col(PASSAGES)  # reloads the client first if another process wrote
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self._vectorstore = Chroma(client=self.client, collection_name=PASSAGES,
                                       embedding_function=self.embedder.as_langchain())
        return self._vectorstore

    def collection(self, name: str):
        return self._col(name)

    # ---- reading -------------------------------------------------------------------------

    def count(self, name: str = ARTICLES) -> int:
        return self._col(name).count()

    def stored_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(ids), self._batch):
            got = self._col(ARTICLES).get(ids=chunk, include=["metadatas"])
            found.update({i: m.get("content_hash", "") for i, m in zip(got["ids"], got["metadatas"])})
        return found

    def articles(self, ids: Iterable[str], with_text: bool = False) -> dict[str, StoredArticle]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        got = self._col(ARTICLES).get(ids=wanted, include=include)
        texts = got.get("documents") or [""] * len(got["ids"])
        return {
            i: StoredArticle.from_chroma(i, m, t) for i, m, t in zip(got["ids"], got["metadatas"], texts)
        }

    def sentences(self, ids: Sequence[str]) -> tuple[list[str], list[str], list[dict], np.ndarray]:
        """ids, texts, metadatas and vectors of the given sentences (missing ids are skipped)."""
        if not ids:
            return [], [], [], np.zeros((0, 0), np.float32)
        got = self._fresh_read(lambda: self._col(SENTENCES).get(
            ids=list(ids), include=["documents", "metadatas", "embeddings"]
        ))
        return got["ids"], got["documents"], got["metadatas"], np.asarray(got["embeddings"], np.float32)

    def vectors(self, name: str, ids: Sequence[str], with_metadata: bool = False) -> tuple[list[str], list[dict], np.ndarray]:
        """Stored vectors of the given rows (missing ids are skipped): ids, metadatas (empty
        unless asked for) and one vector per row. Rows read once stay in memory (at most
        ``VECTOR_CACHE_ROWS``) until any process writes to the store: a question's parts and the
        next questions often read the same outlet's rows."""
        generation = self.chroma.generation()
        if self._vector_cache[0] != generation or len(self._vector_cache[1]) > VECTOR_CACHE_ROWS:
            self._vector_cache = (generation, {})
        cache = self._vector_cache[1]
        wanted = list(dict.fromkeys(ids))
        for chunk in _chunks([i for i in wanted if (name, i) not in cache], SCAN_PAGE):
            got = self._fresh_read(lambda: self._col(name).get(ids=chunk, include=["embeddings", "metadatas"]))  # noqa: B023
            for row, meta, vector in zip(got["ids"], got["metadatas"], np.asarray(got["embeddings"], np.float32)):
                cache[(name, row)] = (meta, vector)
        found = [row for row in wanted if (name, row) in cache]
        metas = [cache[(name, row)][0] for row in found] if with_metadata else []
        vectors = np.stack([cache[(name, row)][1] for row in found]) if found else np.zeros((0, 0), np.float32)
        return found, metas, vectors

    def query(self, name: str, vector: np.ndarray, k: int, where: dict | None = None):
        """Nearest neighbours in one collection: (ids, documents, metadatas, cosine similarities)."""
        got = self._fresh_read(lambda: self._col(name).query(  # Chroma returns fewer when it holds fewer
            query_embeddings=[vector.tolist()], n_results=k, where=where or None,
            include=["documents", "metadatas", "distances"],
        ))
        sims = [1.0 - d for d in got["distances"][0]]
        return got["ids"][0], got["documents"][0], got["metadatas"][0], sims

    def scan(self, name: str, include: list[str], where: dict | None = None) -> dict[str, list]:
        """Every row of a collection (matching ``where``), read in pages: Chroma binds each row
        of a read as an SQL variable, so one read of more than ~32,000 rows fails."""
        found: dict[str, list] = {"ids": [], **{key: [] for key in include}}
        for offset in itertools.count(0, SCAN_PAGE):
            got = self._col(name).get(where=where or None, include=include, limit=SCAN_PAGE, offset=offset)
            for key in found:
                found[key].extend(got[key])
            if len(got["ids"]) < SCAN_PAGE:
                return found
        return found

    def passages_by_id(self, ids: Sequence[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = self._col(PASSAGES).get(ids=list(ids), include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def find_article(self, id_or_url: str) -> str | None:
        """The stored article with this id or url."""
        by_id = self._col(ARTICLES).get(ids=[id_or_url], include=[])["ids"]
        if by_id:
            return by_id[0]
        from ingest.web import canonical_url

        spellings = list(dict.fromkeys([id_or_url, canonical_url(id_or_url)]))
        by_url = self._col(ARTICLES).get(where={"url": {"$in": spellings}}, include=[], limit=1)["ids"]
        return by_url[0] if by_url else None

    def resolve(self, refs: Iterable[str]) -> tuple[list[str], list[str]]:
        """Article ids for ids or urls, and the refs that match nothing."""
        found = {ref: self.find_article(ref) for ref in refs}
        missing = [ref for ref, article_id in found.items() if article_id is None]
        return sorted({i for i in found.values() if i}), missing

    def copy_candidates(self, bands: Sequence[str]) -> list[tuple[str, str, str]]:
        """(id, group, minhash) of stored articles sharing a MinHash band with these."""
        if not bands:
            return []
        where = {"$or": [{f"band_{i}": band} for i, band in enumerate(bands)]}
        got = self._col(ARTICLES).get(where=where, include=["metadatas"])
        return [(i, m.get("group") or i, m.get("minhash", "")) for i, m in zip(got["ids"], got["metadatas"])]

    def copies(self, groups: Iterable[str]) -> dict[str, list[StoredArticle]]:
        """The stored articles of each story group."""
        wanted = sorted(set(groups))
        if not wanted:
            return {}
        got = self._col(ARTICLES).get(where={"group": {"$in": wanted}}, include=["metadatas"])
        found: dict[str, list[StoredArticle]] = {}
        for i, m in zip(got["ids"], got["metadatas"]):
            found.setdefault(m.get("group") or i, []).append(StoredArticle.from_chroma(i, m))
        return found

    def list_articles(self, where: dict | None = None) -> list[StoredArticle]:
        got = self.scan(ARTICLES, ["metadatas"], where)
        found = [StoredArticle.from_chroma(i, m) for i, m in zip(got["ids"], got["metadatas"])]
        return sorted(found, key=lambda a: (a.published, a.id), reverse=True)

    def remove(self, ids: Sequence[str]) -> None:
        """Delete articles with their passages and sentences, and bring BM25 in step."""
        with self.writing():
            self.delete_articles(ids)
            self.rebuild_lexical()

    def sources(self) -> list[str]:
        """The distinct outlets stored: re-read when the number of articles changes, which is
        checked at most once a second (a count costs ~5 ms on a large store)."""
        now = time.monotonic()
        if self._sources is None or now - self._sources_checked > SOURCES_RECHECK_S:
            count = self.count(ARTICLES)
            self._sources_checked = now
            if self._sources is None or self._sources[0] != count:
                got = self.scan(ARTICLES, ["metadatas"])
                self._sources = (count, sorted({m.get("source", "") for m in got["metadatas"]} - {""}))
        return self._sources[1]

    def stats(self) -> dict:
        got = self.scan(ARTICLES, ["metadatas"])
        sources: dict[str, int] = {}
        languages: dict[str, int] = {}
        dates = []
        for meta in got["metadatas"]:
            sources[meta.get("source") or "(unknown)"] = sources.get(meta.get("source") or "(unknown)", 0) + 1
            languages[meta.get("language") or "?"] = languages.get(meta.get("language") or "?", 0) + 1
            if meta.get("published"):
                dates.append(meta["published"][:10])
        return {
            "store": self.label,
            "embedder": self.embedder.name,
            "articles": len(got["ids"]),
            "sentences": self.count(SENTENCES),
            "passages": self.count(PASSAGES),
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "languages": dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "date_range": [min(dates), max(dates)] if dates else None,
        }

    # ---- lexical side ----------------------------------------------------------------------

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index, in step with Chroma's passages.

        Fast path (every query): no write is pending and the store's generation is the one the
        index was built or loaded at. Otherwise the passage ids are compared by fingerprint and,
        when they differ, the index is loaded from disk if that copy matches, else rebuilt from
        Chroma (saved only by a writer, or into this machine's cache in server mode)."""
        index = self.lexical
        generation = self.chroma.generation()
        if not self.chroma.pending() and index.generation == generation:
            return index
        current = fingerprint(self.scan(PASSAGES, [])["ids"])
        if not (index.fingerprint == current or (index.load() and index.fingerprint == current)):
            self._build_lexical(save=self.remote)
        index.generation = generation
        return index

    def rebuild_lexical(self, check_all: bool = False) -> None:
        """After a write: put Chroma's vector indexes on disk (``settle``), rebuild and save the BM25
        index, and tell readers (writers only)."""
        with self.writing():
            self.settle(check_all)
            self._build_lexical(save=True)
            self.chroma.set_pending(False)
            self.chroma.wrote()
            self.lexical.generation = self.chroma.generation()

    def _build_lexical(self, save: bool) -> None:
        """BM25 over each passage and over each sentence, both prefixed by their article's title
        and outlet (news questions name outlets and headline words; measured in DEVELOPERS.md),
        and each passage's share of boilerplate sentences."""
        got = self.scan(PASSAGES, ["documents", "metadatas"])
        metas = got["metadatas"]
        articles = self.scan(ARTICLES, ["metadatas"])
        heads = {i: f"{m.get('title', '')} {m.get('source', '')}" for i, m in zip(articles["ids"], articles["metadatas"])}
        head = [heads.get(m["article_id"], "") for m in metas]  # per passage
        texts = [f"{h} {d}" for h, d in zip(head, got["documents"])]
        owner = {sid: position for position, meta in enumerate(metas) for sid in json.loads(meta["sentence_ids"])}
        stored = self.scan(SENTENCES, ["documents"])
        kept = [(owner[sid], text) for sid, text in zip(stored["ids"], stored["documents"]) if sid in owner]
        positions = [position for position, _ in kept]
        stories = [metas[position].get("group") or metas[position]["article_id"] for position in positions]
        boilerplate = boilerplate_share(positions, [text for _, text in kept], stories, len(metas))
        sentences = [(position, f"{head[position]} {text}") for position, text in kept]
        self.lexical.build(got["ids"], texts, metas, save=save, sentences=sentences, boilerplate=boilerplate)

    # ---- writing ---------------------------------------------------------------------------

    def _mark_pending(self) -> None:
        self.chroma.set_pending(True)

    def delete_articles(self, ids: Sequence[str]) -> None:
        with self.writing():
            self._mark_pending()
            self._sources = None
            for chunk in _chunks(list(ids), 500):
                where = {"article_id": {"$in": chunk}}
                self._col(ARTICLES).delete(ids=chunk)  # the commit marker goes first
                self._col(SENTENCES).delete(where=where)
                self._col(PASSAGES).delete(where=where)
            self.chroma.wrote()

    def write(self, prepared: Sequence[PreparedArticle]) -> None:
        """Replace the given articles (delete leftovers, add sentences and passages, then the
        article records that mark each one complete)."""
        self._sources = None  # re-read the outlets after this write
        if not prepared:
            return
        self.delete_articles([p.article.id for p in prepared])  # marks the BM25 index pending
        rows: dict[str, list] = {name: [] for name in (SENTENCES, PASSAGES, ARTICLES)}
        for item in prepared:
            article, shared = item.article, _shared_meta(item)
            passage_of = {sid: p.id for p in item.passages for sid in p.sentence_ids}
            for sentence, vector in zip(item.sentences, item.sentence_vectors):
                meta = {**shared, "passage_id": passage_of[sentence.id], "index": sentence.index,
                        "paragraph": sentence.paragraph, "start": sentence.start, "end": sentence.end}
                rows[SENTENCES].append((sentence.id, vector, sentence.text, meta))
            for passage, vector in zip(item.passages, item.passage_vectors):
                meta = {**shared, "index": passage.index, "start": passage.start, "end": passage.end,
                        "sentence_ids": json.dumps(passage.sentence_ids)}
                rows[PASSAGES].append((passage.id, vector, passage.text, meta))
            mean = item.passage_vectors.mean(axis=0)
            mean = mean / max(float(np.linalg.norm(mean)), 1e-12)
            rows[ARTICLES].append(
                (article.id, mean, article.text, _article_meta(item))
            )
        self._written.update(r[0] for r in rows[PASSAGES])
        with self.writing():
            for name in (SENTENCES, PASSAGES, ARTICLES):
                for chunk in _chunks(rows[name], self._batch):
                    self._col(name).add(
                        ids=[r[0] for r in chunk],
                        embeddings=np.stack([r[1] for r in chunk]).astype(np.float32),  # a list costs ~14%
                        documents=[r[2] for r in chunk],
                        metadatas=[r[3] for r in chunk],
                    )
            self.chroma.wrote()

    def settle(self, check_all: bool = False) -> None:
        """Put each collection's vector index on disk, with every passage this process wrote
        reachable by its own vector, so that the next process to open the store loads that graph.

        Chroma writes its HNSW index to disk only every ``SYNC_THRESHOLD`` rows. The rows since
        then stay in its write log, and each process that opens the store inserts them again, in
        an order that varies from run to run: an outlying passage (nearest neighbour at cosine
        distance 0.76) came out unreachable by its own vector in some opens of the same files and
        not in others (tests/test_reliability.py). Chroma has no call to write the index, and a
        loaded index keeps the threshold it was loaded with. So: lower the threshold to 1, reload,
        check the passages written since the last settle, or all of them after an interrupted
        write (``check_all``), write again those it cannot reach (up to three times), make one
        write per collection to put the index on disk, and put the threshold back. A Chroma
        server keeps its own index; nothing is done there."""
        if self.remote or not hasattr(self.chroma, "reload"):
            return
        with self.writing():
            names = [n for n in (ARTICLES, PASSAGES, SENTENCES) if self._col(n).count()]
            for name in names:
                self._set_sync_threshold(name, 1)
            try:
                self.chroma.reload()
                if check_all:
                    lost = self.lost_vectors(PASSAGES, 3)
                else:
                    lost = self._unreachable(PASSAGES, sorted(self._written))
                for _ in range(3):
                    if not lost:
                        break
                    self._rewrite(PASSAGES, lost)
                    lost = self._unreachable(PASSAGES, lost)
                self._written.clear()
                for name in names:  # the same vector again: a write that reaches the index saves it
                    col = self._col(name)
                    got = col.get(limit=1, include=["embeddings"])
                    col.update(ids=got["ids"], embeddings=np.asarray(got["embeddings"], np.float32))
            finally:
                for name in names:
                    self._set_sync_threshold(name, SYNC_THRESHOLD)
                self.chroma.reload()  # later writes of this process go back to the usual threshold

    def _set_sync_threshold(self, name: str, rows: int, wait: float = 30.0) -> None:
        """Change a collection's write-to-disk threshold. Readers in other processes can hold
        Chroma's SQLite file for a moment ("database is locked"): retried for up to ``wait`` s."""
        from chromadb.errors import InternalError

        deadline = time.monotonic() + wait
        delay = 0.05
        while True:
            try:
                self._col(name).modify(configuration={"hnsw": {"sync_threshold": rows}})
                return
            except InternalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _unreachable(self, name: str, ids: Sequence[str], depth: int = 3) -> list[str]:
        """Of ``ids``, those not among their own vector's ``depth`` nearest neighbours."""
        lost = []
        for chunk in _chunks(list(ids), 100):
            got = self._col(name).get(ids=chunk, include=["documents", "embeddings"])
            vectors = np.asarray(got["embeddings"], np.float32)
            missed = self._not_near_own(name, got, vectors, range(len(got["ids"])), depth)
            lost += [got["ids"][i] for i in missed]
        return lost

    def _not_near_own(self, name: str, got: dict, vectors: np.ndarray, rows: Iterable[int], n: int) -> list[int]:
        """Of ``rows`` (positions in ``got``, which holds ids and documents), those absent from
        their own vector's ``n`` nearest neighbours and not a copy of one found there."""
        rows, missed = list(rows), []
        for start in range(0, len(rows), 100):  # each result id is an SQL variable
            batch = rows[start:start + 100]
            found = self._fresh_read(lambda: self._col(name).query(  # noqa: B023
                query_embeddings=vectors[batch], n_results=n, include=["documents"]))
            missed += [i for i, ids, docs in zip(batch, found["ids"], found["documents"])
                       if got["ids"][i] not in ids and got["documents"][i] not in docs]
        return missed

    def _rewrite(self, name: str, ids: Sequence[str]) -> None:
        """Delete and add again the given rows, from what Chroma stores."""
        for chunk in _chunks(list(ids), self._batch):
            got = self._col(name).get(ids=chunk, include=["documents", "metadatas", "embeddings"])
            self._col(name).delete(ids=chunk)
            self._col(name).add(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"],
                                embeddings=np.asarray(got["embeddings"], np.float32))

    def restore_sync_threshold(self) -> None:
        """Put back Chroma's write-to-disk threshold that a writer killed inside ``settle`` left
        at 1 (every later write would then rewrite the whole index)."""
        if self.remote:
            return
        with self.writing():
            left = [name for name in (ARTICLES, PASSAGES, SENTENCES)
                    if (self.client.get_collection(name).configuration.get("hnsw") or {})
                    .get("sync_threshold", SYNC_THRESHOLD) != SYNC_THRESHOLD]
            for name in left:
                self._set_sync_threshold(name, SYNC_THRESHOLD)
            if left:
                self.chroma.reload()  # a loaded index keeps the threshold it was loaded with

    def interrupted(self) -> bool:
        """Whether a write stopped before its end (its BM25 rebuild never ran)."""
        return self.chroma.pending()

    def repair(self) -> int:
        """Delete sentences and passages whose article record is missing: what a write or removal
        cut short left behind (an article is only complete once its record is stored). Returns
        how many article ids were cleaned up."""
        with self.writing():
            complete = set(self.scan(ARTICLES, [])["ids"])
            orphans: set[str] = set()
            for name in (PASSAGES, SENTENCES):
                got = self.scan(name, ["metadatas"])
                orphans |= {m.get("article_id") for m in got["metadatas"]} - complete
            orphans.discard(None)
            if orphans:
                self.delete_articles(sorted(orphans))
            return len(orphans)


    def lost_vectors(self, name: str, depth: int = LOST_DEPTH) -> list[str]:
        """Rows Chroma stores but its vector index cannot find: each row's own vector is searched
        for, and a row absent from its own ``depth`` nearest neighbours (and not a copy of one
        found) is lost. A SIGKILL during a write left one such passage in 6,263 (found by
        tests/test_reliability.py). Chroma's HNSW also leaves some short sentences unreachable in
        an uninterrupted build (89 of 56,053 on MultiHop-RAG: "GoPro", "Chromecast"); writing
        them again helps most (83 such sentences in a crashed store, 16 after)."""
        got = self.scan(name, ["documents", "embeddings"])
        vectors = np.asarray(got["embeddings"], np.float32)
        missed = list(range(len(got["ids"])))
        for n in (3, depth) if depth > 3 else (depth,):  # every row 3 deep, then those missed there
            missed = self._not_near_own(name, got, vectors, missed, n)
        return [got["ids"][i] for i in missed]

    def heal(self) -> int:
        """Write again every row the vector index lost (see ``lost_vectors``), from what Chroma
        stores; run after an interrupted write. Returns how many rows were written again."""
        healed = 0
        with self.writing():
            for name in (PASSAGES, SENTENCES, ARTICLES):
                # passages, the unit of retrieval, must each be among their own vector's 3 nearest
                lost = self.lost_vectors(name, 3 if name == PASSAGES else LOST_DEPTH)
                self._rewrite(name, lost)
                if name == PASSAGES:
                    self._written.update(lost)  # checked again by ``settle``
                healed += len(lost)
            if healed:
                self.chroma.wrote()
        return healed


def store_folder(path: Path) -> Path:
    """The local store's folder, created if missing."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"The store path {path} is a file: give a folder with --store or NEWSQA_STORE.")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
