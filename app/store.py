"""The news store: Chroma collections for articles, passages and sentences, plus BM25 beside them.

Write order per batch of articles: old passages and sentences are deleted, new sentences and
passages are added, and the article record goes in last. The article record (with its content
hash) is the commit marker: an article whose record is missing is ingested again from scratch,
and leftovers of an interrupted write are deleted before that.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.embeddings import Embedder
from app.errors import ConfigError
from app.lexical import LexicalIndex, fingerprint
from ingest.dates import published_timestamp
from ingest.model import Article, Passage, Sentence

ARTICLES, PASSAGES, SENTENCES = "articles", "passages", "sentences"
# Metadata copied onto passages and sentences so that filters work at every level.
FILTER_FIELDS = ("source", "language", "category")
SOURCES_RECHECK_S = 1.0  # how stale the cached list of outlets may be (another process may write)


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
    def __init__(self, client, embedder: Embedder, lexical_dir: Path | None, label: str) -> None:
        self.client = client
        self.embedder = embedder
        self.label = label
        self._collections = {
            name: client.get_or_create_collection(
                name,
                embedding_function=None,  # vectors always come from our own embedder
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": embedder.name},
            )
            for name in (ARTICLES, PASSAGES, SENTENCES)
        }
        built_with = (self._collections[PASSAGES].metadata or {}).get("embedder", embedder.name)
        if built_with != embedder.name:
            raise ConfigError(
                f"The store {label} was built with the embedder '{built_with}', not '{embedder.name}': "
                f"set NEWSQA_EMBEDDER={built_with}, or ingest into a new store."
            )
        self._sources: tuple[int, list[str]] | None = None
        self._sources_checked = 0.0
        self._vectorstore = None
        self.lexical = LexicalIndex(lexical_dir)
        # Present from the first write of an ingest until its BM25 rebuild: readers then check
        # the index against Chroma on every query.
        self._dirty_marker = lexical_dir.with_name("lexical.pending") if lexical_dir else None
        self._batch = max(1, min(client.get_max_batch_size(), 5000))
        self.folder: Path | None = None  # the local store's directory (state beside Chroma lives there)

    @classmethod
    def open(cls, path: Path, embedder: Embedder) -> "NewsStore":
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ConfigError(f"The store path {path} is a file: give a folder with --store or NEWSQA_STORE.")
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        store = cls(client, embedder, path / "lexical", label=str(path))
        store.folder = path
        return store

    def vectorstore(self):
        """The passages as a LangChain vector store (built once: building it costs ~3 ms)."""
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self._vectorstore = Chroma(client=self.client, collection_name=PASSAGES,
                                       embedding_function=self.embedder.as_langchain())
        return self._vectorstore

    def collection(self, name: str):
        return self._collections[name]

    # ---- reading -------------------------------------------------------------------------

    def count(self, name: str = ARTICLES) -> int:
        return self._collections[name].count()

    def stored_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(ids), self._batch):
            got = self._collections[ARTICLES].get(ids=chunk, include=["metadatas"])
            found.update({i: m.get("content_hash", "") for i, m in zip(got["ids"], got["metadatas"])})
        return found

    def articles(self, ids: Iterable[str], with_text: bool = False) -> dict[str, StoredArticle]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        got = self._collections[ARTICLES].get(ids=wanted, include=include)
        texts = got.get("documents") or [""] * len(got["ids"])
        return {
            i: StoredArticle.from_chroma(i, m, t) for i, m, t in zip(got["ids"], got["metadatas"], texts)
        }

    def sentences(self, ids: Sequence[str]) -> tuple[list[str], list[str], list[dict], np.ndarray]:
        """ids, texts, metadatas and vectors of the given sentences (missing ids are skipped)."""
        if not ids:
            return [], [], [], np.zeros((0, 0), np.float32)
        got = self._collections[SENTENCES].get(
            ids=list(ids), include=["documents", "metadatas", "embeddings"]
        )
        return got["ids"], got["documents"], got["metadatas"], np.asarray(got["embeddings"], np.float32)

    def query(self, name: str, vector: np.ndarray, k: int, where: dict | None = None):
        """Nearest neighbours in one collection: (ids, documents, metadatas, cosine similarities)."""
        got = self._collections[name].query(  # Chroma returns fewer when it holds fewer
            query_embeddings=[vector.tolist()], n_results=k, where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        sims = [1.0 - d for d in got["distances"][0]]
        return got["ids"][0], got["documents"][0], got["metadatas"][0], sims

    def passages_by_id(self, ids: Sequence[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = self._collections[PASSAGES].get(ids=list(ids), include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def find_article(self, id_or_url: str) -> str | None:
        """The stored article with this id or url."""
        by_id = self._collections[ARTICLES].get(ids=[id_or_url], include=[])["ids"]
        if by_id:
            return by_id[0]
        from ingest.web import canonical_url

        spellings = list(dict.fromkeys([id_or_url, canonical_url(id_or_url)]))
        by_url = self._collections[ARTICLES].get(where={"url": {"$in": spellings}}, include=[], limit=1)["ids"]
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
        got = self._collections[ARTICLES].get(where=where, include=["metadatas"])
        return [(i, m.get("group") or i, m.get("minhash", "")) for i, m in zip(got["ids"], got["metadatas"])]

    def copies(self, groups: Iterable[str]) -> dict[str, list[StoredArticle]]:
        """The stored articles of each story group."""
        wanted = sorted(set(groups))
        if not wanted:
            return {}
        got = self._collections[ARTICLES].get(where={"group": {"$in": wanted}}, include=["metadatas"])
        found: dict[str, list[StoredArticle]] = {}
        for i, m in zip(got["ids"], got["metadatas"]):
            found.setdefault(m.get("group") or i, []).append(StoredArticle.from_chroma(i, m))
        return found

    def list_articles(self, where: dict | None = None) -> list[StoredArticle]:
        got = self._collections[ARTICLES].get(where=where or None, include=["metadatas"])
        found = [StoredArticle.from_chroma(i, m) for i, m in zip(got["ids"], got["metadatas"])]
        return sorted(found, key=lambda a: (a.published, a.id), reverse=True)

    def remove(self, ids: Sequence[str]) -> None:
        """Delete articles with their passages and sentences, and bring BM25 in step."""
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
                got = self._collections[ARTICLES].get(include=["metadatas"])
                self._sources = (count, sorted({m.get("source", "") for m in got["metadatas"]} - {""}))
        return self._sources[1]

    def stats(self) -> dict:
        got = self._collections[ARTICLES].get(include=["metadatas"])
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

        Fast path (every query): no write is pending, the saved index has not changed on disk
        since it was read, and the passage counts agree. Otherwise the passage ids are compared
        by fingerprint and, when they differ, the index is rebuilt in memory from Chroma (only
        the writer saves it)."""
        index = self.lexical
        pending = self._dirty_marker is not None and self._dirty_marker.exists()
        if not pending and index.saved_at is not None and index.saved_at == index.disk_version():
            if len(index.ids) == self._collections[PASSAGES].count():
                return index
        ids = self._collections[PASSAGES].get(include=[])["ids"]
        current = fingerprint(ids)
        if index.fingerprint == current or (index.load() and index.fingerprint == current):
            return index
        self.rebuild_lexical(save=False)
        return index

    def rebuild_lexical(self, save: bool = True) -> None:
        """BM25 over each passage prefixed by its article's title and outlet (news questions
        name outlets and headline words; measured in DEVELOPERS.md)."""
        got = self._collections[PASSAGES].get(include=["documents", "metadatas"])
        articles = self._collections[ARTICLES].get(include=["metadatas"])
        heads = {i: f"{m.get('title', '')} {m.get('source', '')}" for i, m in zip(articles["ids"], articles["metadatas"])}
        texts = [f"{heads.get(m['article_id'], '')} {d}" for d, m in zip(got["documents"], got["metadatas"])]
        self.lexical.build(got["ids"], texts, save=save)
        if save and self._dirty_marker is not None:
            self._dirty_marker.unlink(missing_ok=True)

    # ---- writing ---------------------------------------------------------------------------

    def _mark_pending(self) -> None:
        if self._dirty_marker is not None:
            self._dirty_marker.touch()

    def delete_articles(self, ids: Sequence[str]) -> None:
        self._mark_pending()
        self._sources = None
        for chunk in _chunks(list(ids), 500):
            where = {"article_id": {"$in": chunk}}
            self._collections[SENTENCES].delete(where=where)
            self._collections[PASSAGES].delete(where=where)
            self._collections[ARTICLES].delete(ids=chunk)

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
        for name in (SENTENCES, PASSAGES, ARTICLES):
            for chunk in _chunks(rows[name], self._batch):
                self._collections[name].add(
                    ids=[r[0] for r in chunk],
                    embeddings=np.stack([r[1] for r in chunk]).tolist(),
                    documents=[r[2] for r in chunk],
                    metadatas=[r[3] for r in chunk],
                )


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
