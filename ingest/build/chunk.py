"""Split an article into sentences and passages (runs of consecutive sentences within a token
budget, broken at paragraph ends where they can be)."""

from __future__ import annotations

import re

from app.types import Article, Passage, Sentence
from ingest.build.segment import paragraphs, split_sentences

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def count_tokens(text: str) -> int:
    """Word and punctuation tokens: close to a BPE count for English news, a little under it."""
    return len(_TOKEN.findall(text))


def split_article(article: Article, max_tokens: int = 256) -> tuple[list[Sentence], list[Passage]]:
    text = article.text
    sentences: list[Sentence] = []
    for number, (p_start, p_end) in enumerate(paragraphs(text, article.body_start)):
        for start, end in split_sentences(text[p_start:p_end], article.language):
            index = len(sentences)
            sentences.append(
                Sentence(
                    id=f"{article.id}:s{index}",
                    article_id=article.id,
                    index=index,
                    paragraph=number,
                    start=p_start + start,
                    end=p_start + end,
                    text=text[p_start + start : p_start + end],
                )
            )
    return sentences, _pack(article, sentences, max_tokens)


def _pack(article: Article, sentences: list[Sentence], max_tokens: int) -> list[Passage]:
    """Passages of consecutive sentences, each within ``max_tokens`` (a single longer sentence is a
    passage of its own). Each paragraph is first cut into greedy windows that fit the budget, then
    neighbouring windows are joined while they fit: short news paragraphs (1.9 sentences on average
    in MultiHop-RAG) share a passage, and a passage breaks inside a paragraph only when the
    paragraph alone is over the budget. Passages of one or two sentences gave BM25 too little to
    match (docs/experiments.md, "Passages")."""
    windows = _join(((count_tokens(s.text), [s]) for s in sentences), max_tokens,
                    lambda before, after: before[-1].paragraph == after[0].paragraph)
    groups = _join(windows, max_tokens, lambda before, after: True)
    text = article.text
    return [
        Passage(
            id=f"{article.id}:p{index}",
            article_id=article.id,
            index=index,
            sentence_ids=tuple(s.id for s in group),
            start=group[0].start,
            end=group[-1].end,
            text=text[group[0].start : group[-1].end],
        )
        for index, (_, group) in enumerate(groups)
    ]


def _join(runs, max_tokens: int, joinable) -> list[list]:
    """Greedy: each (tokens, sentences) run joins the one before while ``joinable`` allows it and
    the tokens fit the budget; returns [tokens, sentences] groups."""
    groups: list[list] = []
    for tokens, run in runs:
        if groups and joinable(groups[-1][1], run) and groups[-1][0] + tokens <= max_tokens:
            groups[-1][0] += tokens
            groups[-1][1].extend(run)
        else:
            groups.append([tokens, list(run)])
    return groups
