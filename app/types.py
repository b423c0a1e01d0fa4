"""The values both packages share: what ingestion produces and the store holds (``Article``,
``Passage``, ``Sentence``), and what the query side returns (``Hit``, ``Citation``, ``Answer``)."""

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



@dataclass(frozen=True)
class Hit:
    """One retrieved passage, in rank order."""

    passage_id: str
    article_id: str
    text: str
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    sentence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A stored sentence, verbatim, with its article's metadata."""

    n: int
    sentence: str
    sentence_id: str
    article_id: str
    title: str
    source: str
    url: str
    published: str
    language: str
    score: float
    start: int = 0  # offsets of the sentence in the stored article text
    end: int = 0
    span: tuple[int, int] | None = None  # the phrase that answers, as offsets in ``sentence``
    also_reported_by: tuple[str, ...] = ()  # outlets that carried the same story (syndicated copies)
    page: int = 0  # the sentence's page in a paged document (PDF); 0 when the source has no pages

    @property
    def page_label(self) -> str:
        return f"p. {self.page}" if self.page else ""


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    # The thing asked for, as the first citation writes it ("Hans Van Bylen", "18 Prozent"); empty
    # when the question asks for an explanation, or no single phrase answers it.
    short: str = ""
    passages: list[Hit] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    answerer: str = "extractive"
    closest: list[Citation] = field(default_factory=list)  # shown when abstaining, not as answers
    # The time range read from the question: text, since, until, reference_date, and whether
    # it was applied as a filter (None when the question names no single time).
    time_range: dict | None = None
    query: str = ""  # what was searched: the question, or its standalone form for a follow-up
    note: str = ""  # e.g. why an LLM answer fell back to the extractive one
    dropped: list[str] = field(default_factory=list)  # LLM claims removed for citing no evidence

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "short": self.short,
            "abstained": self.abstained,
            "answerer": self.answerer,
            "query": self.query or self.question,
            "note": self.note,
            "dropped": self.dropped,
            "filters": self.filters,
            "time_range": self.time_range,
            "citations": [_citation_dict(c) for c in self.citations],
            "closest": [_citation_dict(c) for c in self.closest],
            "passages": [
                {"text": h.text, "article_id": h.article_id, "passage_id": h.passage_id,
                 "score": round(h.score, 6)}
                for h in self.passages
            ],
        }


def _citation_dict(c: Citation) -> dict:
    data = asdict(c)
    data["score"] = round(c.score, 6)
    return data
