"""What the store keeps per article: the three collections' names, the row metadata written
for articles, passages and sentences, and the records read back."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from app.store.filters import TEXT_FIELDS
from app.text.dates import published_timestamp
from app.types import Article, Passage, Sentence

ARTICLES, PASSAGES, SENTENCES = "articles", "passages", "sentences"


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
