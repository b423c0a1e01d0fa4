"""The file types newsrooms receive beyond text, HTML and JSON: wire XML (NewsML-G2, NITF), feed
files (RSS, Atom), documents (PDF, DOCX) and web archives (WARC). Each file gives its records or
one ``SourceError`` saying why it cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app.errors import SourceError
from ingest.read.readers import ARCHIVE_SUFFIXES, FEED_SUFFIXES, Record, _read_bytes

_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}


def read_format(path: Path, suffix: str) -> Iterator[Record | SourceError]:
    if suffix in ARCHIVE_SUFFIXES:  # streamed record by record, so not bound by the one-file limit
        from ingest.read.archives import read_warc

        yield from read_warc(path)
        return
    try:
        data = _read_bytes(path)
    except SourceError as err:
        yield err
        return
    if suffix == ".pdf":
        from ingest.read.documents import read_pdf

        yield read_pdf(path, data)
    elif suffix == ".docx":
        from ingest.read.documents import read_docx

        yield read_docx(path, data)
    elif suffix in FEED_SUFFIXES:
        yield from _feed_file(path)
    else:
        yield from _xml_file(path, data)


def _xml_file(path: Path, data: bytes) -> Iterator[Record | SourceError]:
    from ingest.read.wire import local, parse_xml, read_wire, wire_kind

    try:
        root = parse_xml(data, str(path))
    except SourceError as err:
        if b"<rss" in data[:2048] or b"<feed" in data[:2048]:
            yield from _feed_file(path)  # feedparser reads feeds that are not well-formed
        else:
            yield err
        return
    if wire_kind(root):
        yield from read_wire(path, data, root)
    elif local(root) in _FEED_ROOTS:
        yield from _feed_file(path)
    else:
        yield SourceError(str(path), f"an XML file with root <{local(root)}>: not NewsML-G2, NITF, RSS or Atom")


def _feed_file(path: Path) -> Iterator[Record | SourceError]:
    """A feed saved as a file: each entry with the text the feed carries (its pages are not
    fetched; ``newsqa ingest --feed`` polls a feed's address and fetches them)."""
    from ingest.read.feeds import read_feed

    try:
        records, _ = read_feed(str(path), fetch_pages=False)
    except SourceError as err:
        yield err
        return
    yield from records
