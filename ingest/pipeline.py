"""Ingestion: sources -> articles -> sentences and passages -> embeddings -> store."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from app.errors import ConfigError, SourceError
from app.store import NewsStore, PreparedArticle
from app.types import Article
from ingest.build import dedupe
from ingest.build.articles import build_article
from ingest.build.chunk import split_article
from ingest.read.feeds import is_url, read_feed
from ingest.read.readers import iter_files, read_records, url_record

WRITE_CHUNK = 64  # articles embedded and written together


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[SourceError] = field(default_factory=list)
    sentences: int = 0
    passages: int = 0
    feeds: dict[str, dict] = field(default_factory=dict)  # what each polled feed reported
    known_feeds: dict[str, dict] = field(default_factory=dict)  # what was remembered from earlier polls
    reindexed: int = 0  # rows the vector index had lost after an interrupted run, written again
    elsewhere: int = 0  # articles left to the other shards of a fanned-out ingest (``Shard``)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"failed {len(self.failed)} ({self.sentences} sentences, {self.passages} passages written)"
            + (f"; {self.reindexed} rows the vector index had lost written again" if self.reindexed else "")
            + (f"; {self.elsewhere} articles left to the other shards" if self.elsewhere else "")
        )

    def as_dict(self) -> dict:
        return {
            "added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged),
            "failed": [{"where": e.where, "reason": e.reason} for e in self.failed],
            "sentences": self.sentences, "passages": self.passages, "reindexed": self.reindexed,
            "elsewhere": self.elsewhere,
        }


@dataclass(frozen=True)
class Shard:
    """Part ``number`` of ``count`` of an import: the articles whose id hashes to it. Processes
    given the same sources and shards 1..count of one count write every article exactly once
    between them (docs/deploy.md, "One import, several processes")."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        try:
            number, count = (int(part) for part in text.split("/"))
        except ValueError:
            number = count = 0
        if not 1 <= number <= count:
            raise ConfigError(f"--shard {text}: give K/N with 1 <= K <= N, e.g. --shard 1/2 and --shard 2/2 "
                              "for two processes.")
        return cls(number, count)

    def holds(self, article_id: str) -> bool:
        digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.number - 1


@dataclass(frozen=True)
class WebOptions:
    """Limits for what is fetched from the web, and whether feed entries get their page."""

    timeout: float = 15.0
    max_bytes: int = 10 * 2**20
    fetch_pages: bool = True
    allow_private: bool = True  # the web chat turns this off: no fetching inside the network

    @classmethod
    def from_settings(cls, settings, **overrides) -> "WebOptions":
        """The limits ``NEWSQA_FETCH_TIMEOUT`` and ``NEWSQA_FETCH_MAX_MB`` set."""
        return cls(timeout=settings.fetch_timeout, max_bytes=settings.fetch_max_mb * 2**20, **overrides)


def _records(sources: Iterable[Path | str], feeds: Iterable[str], web: WebOptions, report: IngestReport):
    for source in sources:
        if is_url(str(source)):
            yield url_record(str(source), web.timeout, web.max_bytes, web.allow_private)
            continue
        try:
            files = list(iter_files(Path(source)))
        except SourceError as err:
            yield err
            continue
        for path in files:
            yield from read_records(path)
    for feed in feeds:
        try:
            records, state = read_feed(str(feed), web.fetch_pages, web.timeout, web.max_bytes,
                                       known=report.known_feeds.get(str(feed)), allow_private=web.allow_private)
        except SourceError as err:
            yield err
            continue
        report.feeds[str(feed)] = state
        yield from records


def read_articles(sources: Iterable[Path | str], report: IngestReport, feeds: Iterable[str] = (),
                  web: WebOptions = WebOptions()) -> list[Article]:
    """Every article the sources hold; what cannot be read is recorded in ``report``."""
    found: dict[str, Article] = {}
    for record in _records(sources, feeds, web, report):
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
    sources: Iterable[Path | str], store: NewsStore, max_tokens: int = 256, progress: bool | None = None,
    feeds: Iterable[str] = (), web: WebOptions = WebOptions(), known_feeds: dict | None = None,
    chunk_size: int = WRITE_CHUNK, shard: Shard | None = None,
) -> IngestReport:
    """Read, split, embed and write the articles of ``sources`` (files, folders, URLs) and
    ``feeds``; unchanged articles are skipped, changed ones replaced. ``chunk_size`` articles are
    embedded and committed together (a crash loses at most one chunk's work). With ``shard``,
    only the articles of that shard are written."""
    report = IngestReport(known_feeds=dict(known_feeds or {}))
    with store.writing():  # one writer per store: a second ingest fails fast or waits
        repaired = store.interrupted()
        if repaired:  # an earlier write was cut short: drop what it left half-done
            store.restore_sync_threshold()
            store.repair()
        articles = read_articles(sources, report, feeds, web)
        if shard is not None:
            mine = [a for a in articles if shard.holds(a.id)]
            report.elsewhere, articles = len(articles) - len(mine), mine
        stored = store.stored_hashes([a.id for a in articles])
        versions = store.stored_versions([a.id for a in articles if a.extra.get("version") and a.id in stored])
        pending = []
        for article in articles:
            previous = stored.get(article.id)
            if previous == article.content_hash() or _older(article.extra.get("version"), versions.get(article.id)):
                report.unchanged.append(article.id)  # an older version of a stored wire item changes nothing
            else:
                pending.append((article, previous is not None))
        seen: list[tuple[str, str, np.ndarray, tuple[str, ...]]] = []  # copies written in this run
        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=len(pending), unit="article", desc="ingest", disable=not show or not pending) as bar:
            for start in range(0, len(pending), chunk_size):
                chunk = pending[start : start + chunk_size]
                prepared = _group_copies(_prepare([a for a, _ in chunk], store, max_tokens, report), store, seen)
                store.write(prepared)
                written = {p.article.id for p in prepared}
                for article, existed in chunk:
                    if article.id in written:
                        (report.updated if existed else report.added).append(article.id)
                report.sentences += sum(len(p.sentences) for p in prepared)
                report.passages += sum(len(p.passages) for p in prepared)
                bar.update(len(chunk))
        if repaired:  # a SIGKILL mid-write can leave rows the vector index cannot find
            report.reindexed = store.heal()
        if pending or repaired:
            store.rebuild_lexical(check_all=repaired)
    return report


def _older(version: str | None, stored: str | None) -> bool:
    """Whether a wire item's ``version`` is older than the stored one's (both whole numbers)."""
    return bool(version and stored and version.isdigit() and stored.isdigit() and int(version) < int(stored))


def _group_copies(prepared: list[PreparedArticle], store: NewsStore, seen: list) -> list[PreparedArticle]:
    """Give each article the group of the most similar stored (or just written) copy of the same
    story, or its own id."""
    grouped = []
    for item in prepared:
        article = item.article
        sig = dedupe.signature(article.text[article.body_start:])
        bands = tuple(dedupe.bands(sig))
        candidates = [(i, g, dedupe.from_hex(h)) for i, g, h in store.copy_candidates(bands) if h]
        # a band counts at its own position, as in the store's band_<i> lookup
        candidates += [(i, g, s) for i, g, s, b in seen if any(x == y for x, y in zip(b, bands))]
        best = max(((dedupe.similarity(sig, s), g) for i, g, s in candidates if i != article.id), default=(0.0, ""))
        group = best[1] if best[0] >= dedupe.SAME_STORY else article.id
        seen.append((article.id, group, sig, bands))
        grouped.append(replace(item, group=group, minhash=dedupe.to_hex(sig), bands=bands))
    return grouped


def _prepare(articles: list[Article], store: NewsStore, max_tokens: int, report: IngestReport):
    """Split the articles and embed all their sentences and passages in one large batch."""
    split = []
    for article in articles:
        sentences, passages = split_article(article, max_tokens)
        if not sentences:
            report.failed.append(SourceError(article.origin, "no sentences found in the article text"))
            continue
        split.append((article, sentences, passages))
    if not split:
        return []
    position = {s.id: i for i, s in enumerate(s for _, ss, _ in split for s in ss)}
    sentence_vectors, passage_vectors = store.embedder.embed_passages(
        [s.text for _, ss, _ in split for s in ss],
        [[position[sid] for sid in p.sentence_ids] for _, _, ps in split for p in ps],
        [p.text for _, _, ps in split for p in ps],
    )
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


def ingest_and_remember(store: NewsStore, sources: Iterable[Path | str] = (), feeds: Iterable[str] = (),
                        web: WebOptions = WebOptions(), max_tokens: int = 256,
                        progress: bool | None = None, chunk_size: int = WRITE_CHUNK,
                        shard: Shard | None = None) -> IngestReport:
    """``ingest``, and the feeds it polled remembered beside the store for ``sync``."""
    registry = store.feed_registry()
    feeds = [f if is_url(f) else str(Path(f).resolve()) for f in feeds]
    with store.writing():  # the feed list is written under the same lock as the store
        known = registry.load()
        report = ingest(sources, store, max_tokens, progress, feeds=feeds, web=web, known_feeds=known,
                        chunk_size=chunk_size, shard=shard)
        for feed, state in report.feeds.items():
            registry.remember(feed, state)
    return report


def sync(store: NewsStore, web: WebOptions = WebOptions(), max_tokens: int = 256,
         progress: bool | None = None, chunk_size: int = WRITE_CHUNK) -> IngestReport:
    """Poll every remembered feed again; only new or changed entries are written."""
    known = store.feed_registry().load()
    total = IngestReport()
    for fetch_pages in (True, False):
        feeds = [url for url, state in known.items() if state.get("fetch_pages", True) is fetch_pages]
        if feeds:
            part = ingest_and_remember(store, feeds=feeds, web=replace(web, fetch_pages=fetch_pages),
                                       max_tokens=max_tokens, progress=progress, chunk_size=chunk_size)
            for name in ("added", "updated", "unchanged", "failed"):
                getattr(total, name).extend(getattr(part, name))
            total.sentences += part.sentences
            total.passages += part.passages
            total.feeds.update(part.feeds)
    return total
