"""The news store: Chroma collections for articles and passages (a passage row carries its
sentences), and the BM25 index beside them (see ``news`` for the write order that keeps them consistent)."""

from app.store.news import NewsStore, store_folder
from app.store.records import (
    ARTICLES,
    PASSAGES,
    PreparedArticle,
    StoredArticle,
)

__all__ = ["ARTICLES", "PASSAGES", "NewsStore", "PreparedArticle", "StoredArticle", "store_folder"]
