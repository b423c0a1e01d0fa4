"""Split an article into sentences and passages (sentence windows inside one paragraph)."""

from __future__ import annotations

import re

from ingest.model import Article, Passage, Sentence
from ingest.segment import paragraphs, split_sentences

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
    """Greedy windows of consecutive sentences of one paragraph, each within ``max_tokens``
    (a single longer sentence becomes a passage of its own)."""
    groups: list[list[Sentence]] = []
    budget = 0
    for sentence in sentences:
        tokens = count_tokens(sentence.text)
        if groups and groups[-1][-1].paragraph == sentence.paragraph and budget + tokens <= max_tokens:
            groups[-1].append(sentence)
            budget += tokens
        else:
            groups.append([sentence])
            budget = tokens
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
        for index, group in enumerate(groups)
    ]
