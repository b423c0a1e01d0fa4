"""The LLM answerer: numbered evidence in, a cited answer out, every citation checked.

The model sees the evidence sentences fenced as data and must put [n] after each claim. What it
writes is then verified: a marker naming no given sentence is removed, a claim left without a valid
marker is dropped, and the cited text shown to the reader comes from the store, never from the
model. When nothing cited survives, the caller falls back to the extractive answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from langchain_core.messages import HumanMessage, SystemMessage

from app.answering.prompts import render
from app.types import Citation

NOT_IN_SOURCES = "NOT IN SOURCES"
_MARKERS = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_CITED = re.compile(rf"(?:\s*{_MARKERS.pattern})+[.!?]?")  # the markers (and stop) closing a claim
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ\"“])")


@dataclass
class Verified:
    text: str  # the answer with valid markers only, renumbered 1..n in order of first use
    citations: list[Citation]
    dropped: list[str] = field(default_factory=list)  # claims that cited no given sentence
    invalid: list[int] = field(default_factory=list)  # marker numbers that named no given sentence
    not_in_sources: bool = False


def evidence_text(evidence: list[Citation]) -> str:
    lines = []
    for c in evidence:
        about = ", ".join(x for x in (c.source, c.published[:10]) if x)
        # one line per sentence, so an evidence text cannot fake the fence or another number
        body = " ".join(c.sentence.replace("EVIDENCE>>>", "EVIDENCE").split())
        lines.append(f"[{c.n}] ({about}) {body}" if about else f"[{c.n}] {body}")
    return "\n".join(lines)


def messages(question: str, evidence: list[Citation]) -> list:
    return [
        SystemMessage(content=render("answer_system")),
        HumanMessage(content=render("answer_user", question=question, evidence=evidence_text(evidence))),
    ]


def stream_tokens(model, question: str, evidence: list[Citation]) -> Iterator[str]:
    for chunk in model.stream(messages(question, evidence)):
        text = chunk.content if isinstance(chunk.content, str) else ""
        if text:
            yield text


def _claims(raw: str) -> list[str]:
    """Sentences, each with the markers that follow it; a sentence before another one without
    markers of its own is a claim without citation."""
    claims, cursor = [], 0
    for found in _CITED.finditer(raw):
        *uncited, last = _SENTENCE_END.split(raw[cursor:found.start()].strip()) or [""]
        claims += uncited + [last + found.group(0)]
        cursor = found.end()
    claims += _SENTENCE_END.split(raw[cursor:].strip())
    return [c.strip() for c in claims if c.strip()]


def verify(raw: str, evidence: list[Citation]) -> Verified:
    """Keep the claims that cite given evidence; renumber their citations from 1."""
    given = {c.n: c for c in evidence}
    raw = (raw or "").strip()
    if raw.upper().startswith(NOT_IN_SOURCES) or (NOT_IN_SOURCES in raw.upper() and not _MARKERS.search(raw)):
        return Verified(text="", citations=[], not_in_sources=True)
    order: dict[int, int] = {}  # evidence number -> citation number shown
    kept, dropped, invalid = [], [], []
    for claim in _claims(raw):
        valid = []
        for found in _MARKERS.finditer(claim):
            for n in map(int, re.split(r"[,;]", found.group(1))):
                (valid if n in given else invalid).append(n)
        text = re.sub(r"\s+([.!?,;:])", r"\1", " ".join(_MARKERS.sub("", claim).split()))
        if not valid:
            if text.strip(" .,;:"):  # a bare marker left over is no claim
                dropped.append(text)
            continue
        for n in valid:
            order.setdefault(n, len(order) + 1)
        kept.append(f"{text} {''.join(f'[{order[n]}]' for n in dict.fromkeys(valid))}".strip())
    citations = [replace(given[n], n=shown) for n, shown in order.items()]
    return Verified(text=" ".join(kept), citations=citations, dropped=dropped, invalid=invalid)
