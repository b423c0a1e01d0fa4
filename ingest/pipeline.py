"""Ingestion: sources -> articles -> sentences and passages -> embeddings -> store."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from app.errors import SourceError
from app.store import NewsStore, PreparedArticle
from ingest.articles import build_article
from ingest.chunk import split_article
from ingest.model import Article
from ingest.readers import iter_files, read_records

WRITE_CHUNK = 64  # articles embedded and written together


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[SourceError] = field(default_factory=list)
    sentences: int = 0
    passages: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"failed {len(self.failed)} ({self.sentences} sentences, {self.passages} passages written)"
        )

    def as_dict(self) -> dict:
        return {
            "added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged),
            "failed": [{"where": e.where, "reason": e.reason} for e in self.failed],
            "sentences": self.sentences, "passages": self.passages,
        }


def read_articles(sources: Iterable[Path | str], report: IngestReport) -> list[Article]:
    """Every article the sources hold; what cannot be read is recorded in ``report``."""
    found: dict[str, Article] = {}
    for source in sources:
        try:
            files = list(iter_files(Path(source)))
        except SourceError as err:
            report.failed.append(err)
            continue
        for path in files:
            for record in read_records(path):
                if isinstance(record, SourceError):
                    report.failed.append(record)
                    continue
                try:
                    article = build_article(record)
                except SourceError as err:
                    report.failed.append(err)
                    continue
                found[article.id] = article  # a later copy of the same id wins
    return list(found.values())


def ingest(
    sources: Iterable[Path | str], store: NewsStore, max_tokens: int = 256, progress: bool | None = None
) -> IngestReport:
    report = IngestReport()
    articles = read_articles(sources, report)
    stored = store.stored_hashes([a.id for a in articles])
    pending = []
    for article in articles:
        previous = stored.get(article.id)
        if previous == article.content_hash():
            report.unchanged.append(article.id)
        else:
            pending.append((article, previous is not None))
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(pending), unit="article", desc="ingest", disable=not show or not pending) as bar:
        for start in range(0, len(pending), WRITE_CHUNK):
            chunk = pending[start : start + WRITE_CHUNK]
            prepared = _prepare([a for a, _ in chunk], store, max_tokens, report)
            store.write(prepared)
            written = {p.article.id for p in prepared}
            for article, existed in chunk:
                if article.id in written:
                    (report.updated if existed else report.added).append(article.id)
            report.sentences += sum(len(p.sentences) for p in prepared)
            report.passages += sum(len(p.passages) for p in prepared)
            bar.update(len(chunk))
    if pending:
        store.rebuild_lexical()
    return report


def _prepare(articles: list[Article], store: NewsStore, max_tokens: int, report: IngestReport):
    """Split the articles and embed all their sentences and passages in two large batches."""
    split = []
    for article in articles:
        sentences, passages = split_article(article, max_tokens)
        if not sentences:
            report.failed.append(SourceError(article.origin, "no sentences found in the article text"))
            continue
        split.append((article, sentences, passages))
    if not split:
        return []
    sentence_vectors = store.embedder.embed_documents([s.text for _, ss, _ in split for s in ss])
    passage_vectors = store.embedder.embed_documents([p.text for _, _, ps in split for p in ps])
    prepared, s_at, p_at = [], 0, 0
    for article, sentences, passages in split:
        prepared.append(
            PreparedArticle(
                article, sentences, passages,
                sentence_vectors[s_at : s_at + len(sentences)], passage_vectors[p_at : p_at + len(passages)],
            )
        )
        s_at += len(sentences)
        p_at += len(passages)
    return prepared
