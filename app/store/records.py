"""What the store keeps per article: the collections' names, the row metadata written for
articles and passages (a passage row carries its sentences: their places in the article and
their vectors), and the records read back."""

from __future__ import annotations

import base64
import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.store.filters import TEXT_FIELDS
from app.text.dates import published_timestamp
from app.types import Article, Passage, Sentence

ARTICLES, PASSAGES = "articles", "passages"
SENTENCES = "sentences"  # the collection of one row per sentence that older stores have (refused)
SENTENCE_FIELDS = ("index", "paragraph", "start", "end")  # per sentence, in the passage's "sentences"


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


def article_meta(item: PreparedArticle) -> dict:
    article, n_sentences, n_passages = item.article, len(item.sentences), len(item.passages)
    meta = {
        "title": article.title, "source": article.source, "url": article.url,
        "author": article.author, "published": article.published, "language": article.language,
        "category": article.category, "place": article.place, "body_start": article.body_start,
        "content_hash": article.content_hash(), "n_sentences": n_sentences, "n_passages": n_passages,
        "group": item.group or article.id, "minhash": item.minhash,
        **{f"band_{i}": band for i, band in enumerate(item.bands)},
    }
    meta.update({key: article.extra[key] for key in ("version", "version_created") if article.extra.get(key)})
    stamp = published_timestamp(article.published)
    if stamp is not None:
        meta["published_ts"] = stamp
    return meta


def page_of(article: Article, start: int) -> dict:
    """``{"page": n}`` for a sentence starting at ``start`` in a paged document (PDF), else ``{}``."""
    pages = article.extra.get("pages")
    return {"page": bisect_right(pages, start)} if pages else {}


def shared_meta(item: PreparedArticle) -> dict:
    article = item.article
    meta = {"article_id": article.id, "group": item.group or article.id,
            **{f: getattr(article, f) for f in TEXT_FIELDS}}  # copied so that filters work at every level
    stamp = published_timestamp(article.published)
    if stamp is not None:
        meta["published_ts"] = stamp
    return meta


def sentence_fields(article: Article, sentences: Sequence[Sentence], vectors: np.ndarray) -> dict:
    """A passage's sentences as two metadata fields: their places in the article (JSON rows of
    ``SENTENCE_FIELDS``, and the page in a paged document) and their vectors (float16, base64;
    cosines stay within 1e-3 of float32's)."""
    rows = [[s.index, s.paragraph, s.start, s.end, *page_of(article, s.start).values()] for s in sentences]
    packed = np.ascontiguousarray(vectors, dtype="<f2").tobytes()
    return {"sentences": json.dumps(rows), "sentence_vectors": base64.b64encode(packed).decode("ascii")}


PASSAGE_ONLY = ("sentences", "sentence_vectors", "sentence_ids", "index", "start", "end")


def sentence_vectors(meta: dict) -> np.ndarray:
    """The vectors of a passage row's sentences (float32, one row each)."""
    packed = np.frombuffer(base64.b64decode(meta.get("sentence_vectors") or ""), "<f2").astype(np.float32)
    count = len(json.loads(meta.get("sentence_ids") or "[]"))
    return packed.reshape(count, -1) if count and len(packed) else np.zeros((0, 0), np.float32)


def unpack_sentences(passage_id: str, text: str, meta: dict) -> tuple[list[str], list[str], list[dict], np.ndarray]:
    """The sentences a passage row carries: ids, texts, metadatas (the passage's shared fields,
    its id, and the sentence's place) and unit vectors."""
    rows = json.loads(meta.get("sentences") or "[]")
    if not rows:  # e.g. a row left by a write cut short, before its fields were known
        return [], [], [], np.zeros((0, 0), np.float32)
    vectors = sentence_vectors(meta)
    shared = {key: value for key, value in meta.items() if key not in PASSAGE_ONLY}
    offset, article = int(meta["start"]), meta["article_id"]
    ids, texts, metas = [], [], []
    for row in rows:
        fields = dict(zip(SENTENCE_FIELDS, row))
        if len(row) > len(SENTENCE_FIELDS):
            fields["page"] = row[len(SENTENCE_FIELDS)]
        ids.append(f"{article}:s{fields['index']}")
        texts.append(text[fields["start"] - offset : fields["end"] - offset])
        metas.append({**shared, "passage_id": passage_id, **fields})
    return ids, texts, metas, vectors
