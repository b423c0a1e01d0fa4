"""Typed values produced by ingestion and written to the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Sentence:
    id: str
    article_id: str
    index: int
    paragraph: int
    start: int  # character offsets into Article.text
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    id: str
    article_id: str
    index: int
    sentence_ids: tuple[str, ...]
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Article:
    """One news report. ``text`` is stored as read; sentence offsets point into it."""

    id: str
    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    author: str = ""
    published: str = ""  # ISO 8601 date or datetime; "" when unknown
    language: str = ""
    category: str = ""
    place: str = ""  # from the dateline
    body_start: int = 0  # where the text proper starts, after a dateline
    origin: str = ""  # file (and line) it came from; not part of the content hash
    extra: dict = field(default_factory=dict, compare=False)

    def content_hash(self) -> str:
        data = asdict(self)
        data.pop("origin")
        data.pop("extra")
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


def stable_id(*parts: str, prefix: str = "") -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}{digest}"
