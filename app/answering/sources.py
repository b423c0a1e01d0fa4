"""What a reader needs to check a citation: the paragraph around the cited sentence."""

from __future__ import annotations

from dataclasses import dataclass

from app.store import NewsStore
from app.types import Citation

MAX_CONTEXT = 700  # characters of paragraph shown on each side of the sentence at most


@dataclass(frozen=True)
class InContext:
    """A cited sentence inside its paragraph: ``before + sentence + after`` is stored text."""

    citation: Citation
    before: str
    sentence: str
    after: str


def in_context(citations: list[Citation], store: NewsStore) -> list[InContext]:
    """Each citation with the text of its paragraph around it, read from the stored article."""
    texts = {a.id: a.text for a in store.articles((c.article_id for c in citations), with_text=True).values()}
    shown = []
    for c in citations:
        text = texts.get(c.article_id, "")
        if text[c.start:c.end] != c.sentence:  # offsets from another version: show the sentence alone
            shown.append(InContext(c, "", c.sentence, ""))
            continue
        begin = text.rfind("\n", 0, c.start) + 1  # a paragraph is a line, as ingest splits them
        end = text.find("\n", c.end)
        end = len(text) if end < 0 else end
        before = text[max(begin, c.start - MAX_CONTEXT):c.start]
        after = text[c.end:min(end, c.end + MAX_CONTEXT)]
        shown.append(InContext(c, before, c.sentence, after))
    return shown
