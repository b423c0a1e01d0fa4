"""Web archives: WARC files, plain or gzipped per record (warcio), read as a stream.

Every response record holding an HTML page goes through the same article extraction as a
fetched page (``html_fields``), with the record's target URI as the page's address and its
WARC-Date as the publish date when the page states none. Requests, metadata, CSS, scripts and
images are skipped silently; a revisit record (the crawler saw the same payload again) adds
nothing, and a URI archived twice gives its last capture.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app.errors import SourceError
from ingest.read.readers import Record, html_fields
from ingest.read.web import HTML_TYPES

MAX_PAGE_BYTES = 10 * 2**20  # one archived page; larger payloads are not articles


def read_warc(path: Path) -> Iterator[Record | SourceError]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    found: dict[str, Record | SourceError] = {}
    pages = 0
    if path.stat().st_size == 0:
        yield SourceError(str(path), "the file is empty")
        return
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, arc2warc=True):
                if record.rec_type != "response" or record.http_headers is None:
                    continue  # warcinfo, request, metadata, revisit, resource
                kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
                status = record.http_headers.get_statuscode() or ""
                if kind not in HTML_TYPES or not status.startswith("2"):
                    continue
                pages += 1
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                date = record.rec_headers.get_header("WARC-Date") or ""
                body = record.content_stream().read(MAX_PAGE_BYTES + 1)
                found[uri] = _page(path, uri, date, body, record.http_headers)
    except ArchiveLoadFailed as err:
        found[""] = SourceError(str(path), f"not a WARC file ({err})"[:300])
    except Exception as err:  # a truncated gzip member, a broken record header: the pages before it stay
        found[""] = SourceError(str(path), f"the WARC file is broken ({type(err).__name__}: {err})"[:300])
    if not pages and "" not in found:
        found[""] = SourceError(str(path), "the archive holds no HTML response records")
    yield from found.values()


def _page(path: Path, uri: str, date: str, body: bytes, headers) -> Record | SourceError:
    where = f"{path} {uri}"
    if len(body) > MAX_PAGE_BYTES:
        return SourceError(where, f"the archived page is over {MAX_PAGE_BYTES // 2**20} MB")
    html = body.decode(_charset(headers, body), errors="replace")
    try:
        fields = html_fields(html, uri, where)
    except SourceError as err:
        return err
    if fields is None:
        return SourceError(where, "no article text found in the archived page")
    fields = {**fields, "published": fields["published"] or date}
    return Record({**fields, "url": fields["url"] or uri}, where)


def _charset(headers, body: bytes) -> str:
    import codecs
    import re

    declared = headers.get_header("Content-Type") or ""
    match = re.search(r"charset=[\"']?([\w-]+)", declared) or re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", body[:4096])
    name = match.group(1) if match else "utf-8"
    name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"
