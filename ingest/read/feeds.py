"""RSS and Atom feeds (feedparser): each entry becomes an article record.

An entry that carries only a summary gets its linked page fetched (unless ``fetch_pages`` is off);
an entry with neither a link nor text is reported and skipped. Feeds ingested once are remembered
in the store folder (``feeds.json``) so that ``newsqa sync`` can poll them again; ETag and
Last-Modified make a poll of an unchanged feed cost one empty response.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from app.errors import SourceError
from app.text.urls import canonical_url
from ingest.read.readers import Record, html_fields
from ingest.read.web import FEED_TYPES, HTML_TYPES, fetch

FULL_TEXT = 600  # characters of entry content from which the entry is taken as the whole article
_FEED_ACCEPT = FEED_TYPES + ("text/plain", "text/html", "application/octet-stream")


def is_url(source: str) -> bool:
    """A web address of any scheme (``fetch`` then refuses all but http and https)."""
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", str(source), re.IGNORECASE))


def _text_of(html: str) -> str:
    import lxml.html

    if not html or not html.strip():
        return ""
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return html.strip()
    for block in tree.iter("p", "br", "div", "li", "h1", "h2", "h3"):
        block.tail = "\n" + (block.tail or "")
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())


def read_feed(source: str, fetch_pages: bool = True, timeout: float = 15.0, max_bytes: int = 10 * 2**20,
              known: dict | None = None, allow_private: bool = True) -> tuple[list[Record | SourceError], dict]:
    """Records of one feed (URL or file), and what to remember about it for the next poll."""
    import feedparser

    known = known or {}
    if is_url(source):
        headers = {k: v for k, v in (("If-None-Match", known.get("etag")),
                                     ("If-Modified-Since", known.get("modified"))) if v}
        page = fetch(source, accept=_FEED_ACCEPT, timeout=timeout, max_bytes=max_bytes, headers=headers,
                     allow_private=allow_private)
        if not page.text and headers:  # 304: nothing new since the last poll
            return [], {**known, "polled": _now()}
        data: bytes | str = page.text
        validators = {"etag": page.etag, "modified": page.modified}
    else:
        path = Path(source)
        if not path.is_file():
            raise SourceError(source, "no such feed file")
        data = path.read_bytes()
        validators = {}
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        raise SourceError(source, f"not a readable RSS or Atom feed ({getattr(parsed, 'bozo_exception', 'no entries')})")
    outlet = parsed.feed.get("title", "")
    limits = {"timeout": timeout, "max_bytes": max_bytes, "allow_private": allow_private}
    records = [_entry(source, n, entry, outlet, fetch_pages, limits) for n, entry in enumerate(parsed.entries, 1)]
    state = {"title": outlet, "fetch_pages": fetch_pages, "polled": _now(), "entries": len(parsed.entries),
             **validators}
    return records, state


def _entry(source, n, entry, outlet, fetch_pages, limits: dict) -> Record | SourceError:
    where = f"{source} entry {n}"
    link = entry.get("link", "")
    content = entry.get("content") or []
    body = _text_of(content[0].get("value", "")) if content else ""
    summary = _text_of(entry.get("summary", ""))
    fields = {
        "title": entry.get("title", ""), "url": canonical_url(link) if link else "",
        "published": _entry_date(entry),
        "author": entry.get("author", ""), "source": outlet,
        "category": ", ".join(t.get("term", "") for t in entry.get("tags", []) if t.get("term")),
        "language": "",
    }
    if len(body) >= FULL_TEXT or (body and not fetch_pages):
        return Record({**fields, "text": body}, where)
    if link and fetch_pages:
        try:
            page = fetch(link, accept=HTML_TYPES, **limits)
        except SourceError as err:
            return SourceError(where, f"{link}: {err.reason}")
        try:
            found = html_fields(page.text, page.url)
        except SourceError as err:
            return SourceError(where, f"{link}: {err.reason}")
        if found is None:
            return SourceError(where, f"{link}: no article text found in the page")
        # the page's own metadata wins; the feed fills what the page does not say
        return Record({**fields, **{k: v for k, v in found.items() if v}}, where)
    if body or summary:
        return Record({**fields, "text": body or summary}, where)
    if link:
        return SourceError(where, f"the entry carries no text, only a link, which is not fetched here: "
                                  f"ingest {link} itself, or poll the feed's address")
    return SourceError(where, "the entry has neither a link nor any text")


# Month and weekday abbreviations of Portuguese, Spanish, French and Italian feeds, which write
# RFC 822 dates in their own words ("Seg, 24 Set 2018 19:42:40 -0300").
_MONTHS = {"fev": "Feb", "abr": "Apr", "mai": "May", "ago": "Aug", "set": "Sep", "out": "Oct", "dez": "Dec",
           "ene": "Jan", "dic": "Dec", "janv": "Jan", "févr": "Feb", "mars": "Mar", "avr": "Apr",
           "juin": "Jun", "juil": "Jul", "août": "Aug", "sept": "Sep", "déc": "Dec", "gen": "Jan",
           "mag": "May", "giu": "Jun", "lug": "Jul", "ott": "Oct"}


def _entry_date(entry) -> str:
    """The entry's date as written when it is readable, else translated from another language's
    month names, else feedparser's own reading (UTC); "" when there is none."""
    from app.text.dates import normalise_published

    raw = entry.get("published") or entry.get("updated") or ""
    if not raw or normalise_published(raw):
        return raw
    words = re.sub(r"^[^\d,]+,\s*", "", raw).split()
    translated = " ".join(_MONTHS.get(w.lower().rstrip("."), w) for w in words)
    if normalise_published(translated):
        return normalise_published(translated)
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat() if parsed else ""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
