"""The news store: Chroma collections for articles and passages (each passage row carries its
sentences and their vectors), plus BM25 beside them.

Write order per batch of articles: old passages are deleted, new passages are added, and the
article record goes in last. The article record (with its content
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
from pathlib import Path

import numpy as np

from app.embeddings import Embedder
from app.errors import ConfigError
from app.store.chroma_fixes import ChromaFixes
from app.store.connection import RemoteChroma, local_chroma
from app.store.feeds import FeedRegistry, StateFeedRegistry
from app.store.lexical import LexicalIndex
from app.store.maintenance import Maintenance, chunks
from app.store.records import (
    ARTICLES,
    PASSAGES,
    SENTENCES,
    PreparedArticle,
    StoredArticle,
    article_meta,
    sentence_fields,
    shared_meta,
    unpack_sentences,
)
from app.store.writelock import WriteLock, write_lock
from app.text.urls import canonical_url

log = logging.getLogger(__name__)

SCAN_PAGE = 10_000  # rows per read when reading a whole collection
VECTOR_CACHE_ROWS = 20_000  # passage rows ``vectors`` keeps in memory (~10 KB each with their sentences)
SOURCES_RECHECK_S = 1.0  # how stale the cached list of outlets may be (another process may write)


class NewsStore(Maintenance, ChromaFixes):
    def __init__(self, chroma, embedder: Embedder, lexical_dir: Path | None, label: str,
                 lock: WriteLock | None = None, remote: bool = False) -> None:
        self.chroma = chroma  # app.store.connection: .client, .epoch, .refresh(), .wrote()
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
        self._changed: set[str] | None = None  # articles written or removed since the BM25 index was in step
        self.lexical = LexicalIndex(lexical_dir)
        self.remote = remote
        self.folder: Path | None = None  # the local store's directory (state beside Chroma lives there)

    def _bind(self) -> None:
        """Collection handles from the connection's current client."""
        client = self.chroma.client
        if SENTENCES in {getattr(c, "name", c) for c in client.list_collections()}:
            raise ConfigError(
                f"The store {self.label} has the older layout, with a Chroma row per sentence, which this "
                "version no longer reads: ingest its sources again into a new store "
                "(newsqa ingest SOURCES --store NEW_FOLDER), then use that one."
            )
        self._collections = {
            name: client.get_or_create_collection(
                name,
                embedding_function=None,  # vectors always come from our own embedder
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.embedder.name},
            )
            for name in (ARTICLES, PASSAGES)
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
        return StateFeedRegistry(self.chroma) if self.remote else FeedRegistry(self.folder)

    @contextmanager
    def writing(self, wait: float | None = None):
        """Hold the store's write lock for the block (re-entrant; see app.store.writelock)."""
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
        for chunk in chunks(list(ids), self._batch):
            got = self._col(ARTICLES).get(ids=chunk, include=["metadatas"])
            found.update({i: m.get("content_hash", "") for i, m in zip(got["ids"], got["metadatas"])})
        return found

    def stored_versions(self, ids: Sequence[str]) -> dict[str, str]:
        """The wire version (NewsML-G2, NITF) of each stored article that has one."""
        found: dict[str, str] = {}
        for chunk in chunks(list(ids), self._batch):
            got = self._col(ARTICLES).get(ids=chunk, include=["metadatas"])
            found.update({i: str(m["version"]) for i, m in zip(got["ids"], got["metadatas"]) if m.get("version")})
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

    def sentences_of(self, passage_ids: Sequence[str]) -> tuple[list[str], list[str], list[dict], np.ndarray]:
        """ids, texts, metadatas and vectors of the sentences of the given passages, in passage
        then sentence order (missing passages are skipped)."""
        found = self.passages_by_id(list(dict.fromkeys(passage_ids)))
        return join_sentences([unpack_sentences(pid, *found[pid]) for pid in dict.fromkeys(passage_ids) if pid in found])

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
        for chunk in chunks([i for i in wanted if (name, i) not in cache], SCAN_PAGE):
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
        got = self._fresh_read(lambda: self._col(PASSAGES).get(ids=list(ids), include=["documents", "metadatas"]))
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def find_article(self, id_or_url: str) -> str | None:
        """The stored article with this id or url."""
        by_id = self._col(ARTICLES).get(ids=[id_or_url], include=[])["ids"]
        if by_id:
            return by_id[0]
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
        """Delete articles with their passages, and bring BM25 in step."""
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
            "sentences": sum(int(meta.get("n_sentences", 0)) for meta in got["metadatas"]),
            "passages": self.count(PASSAGES),
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "languages": dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "date_range": [min(dates), max(dates)] if dates else None,
        }

    def _mark_pending(self) -> None:
        self.chroma.set_pending(True)

    def delete_articles(self, ids: Sequence[str]) -> None:
        with self.writing():
            self._begin_changes()
            self._changed.update(ids)
            self._mark_pending()
            self._sources = None
            for chunk in chunks(list(ids), 500):
                where = {"article_id": {"$in": chunk}}
                self._col(ARTICLES).delete(ids=chunk)  # the commit marker goes first
                self._col(PASSAGES).delete(where=where)
            self.chroma.wrote()

    def write(self, prepared: Sequence[PreparedArticle]) -> None:
        """Replace the given articles (delete leftovers, add passages with their sentences, then
        the article records that mark each one complete)."""
        self._sources = None  # re-read the outlets after this write
        if not prepared:
            return
        self.delete_articles([p.article.id for p in prepared])  # marks the BM25 index pending
        rows: dict[str, list] = {name: [] for name in (PASSAGES, ARTICLES)}
        for item in prepared:
            article, shared = item.article, shared_meta(item)
            at = {sentence.id: i for i, sentence in enumerate(item.sentences)}
            for passage, vector in zip(item.passages, item.passage_vectors):
                own = [at[sid] for sid in passage.sentence_ids]
                meta = {**shared, "index": passage.index, "start": passage.start, "end": passage.end,
                        "sentence_ids": json.dumps(passage.sentence_ids),
                        **sentence_fields(article, [item.sentences[i] for i in own], item.sentence_vectors[own])}
                rows[PASSAGES].append((passage.id, vector, passage.text, meta))
            mean = item.passage_vectors.mean(axis=0)
            mean = mean / max(float(np.linalg.norm(mean)), 1e-12)
            rows[ARTICLES].append(
                (article.id, mean, article.text, article_meta(item))
            )
        self._written.update(r[0] for r in rows[PASSAGES])
        with self.writing(), self.chroma.in_flight([item.article.id for item in prepared]):
            for name in (PASSAGES, ARTICLES):
                for chunk in chunks(rows[name], self._batch):
                    self._col(name).add(
                        ids=[r[0] for r in chunk],
                        embeddings=np.stack([r[1] for r in chunk]).astype(np.float32),  # a list costs ~14%
                        documents=[r[2] for r in chunk],
                        metadatas=[r[3] for r in chunk],
                    )
            self.chroma.wrote()

def join_sentences(parts: list[tuple]) -> tuple[list[str], list[str], list[dict], np.ndarray]:
    """One (ids, texts, metadatas, vectors) from several passages' ``unpack_sentences``."""
    parts = [part for part in parts if part[0]]
    if not parts:
        return [], [], [], np.zeros((0, 0), np.float32)
    return ([i for part in parts for i in part[0]], [t for part in parts for t in part[1]],
            [m for part in parts for m in part[2]], np.concatenate([part[3] for part in parts]))


def store_folder(path: Path) -> Path:
    """The local store's folder, created if missing."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"The store path {path} is a file: give a folder with --store or NEWSQA_STORE.")
    path.mkdir(parents=True, exist_ok=True)
    return path
