"""The news store: Chroma collections for articles, passages and sentences, and the BM25 index
beside them (see ``news`` for the write order that keeps them consistent)."""

from app.store.news import NewsStore, store_folder
from app.store.records import (
    ARTICLES,
    PASSAGES,
    SENTENCES,
    PreparedArticle,
    StoredArticle,
)

__all__ = ["ARTICLES", "PASSAGES", "SENTENCES", "NewsStore", "PreparedArticle", "StoredArticle", "store_folder"]
