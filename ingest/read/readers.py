"""Read sources (files, folders) into raw records: a dict of fields plus where it came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.errors import SourceError

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
XML_SUFFIXES = {".xml", ".nitf", ".newsml"}  # NewsML-G2, NITF or a feed: told apart by the root element
FEED_SUFFIXES = {".rss", ".atom"}
DOCUMENT_SUFFIXES = {".pdf", ".docx"}
ARCHIVE_SUFFIXES = {".warc", ".warc.gz"}
SUPPORTED = (TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | XML_SUFFIXES | FEED_SUFFIXES | DOCUMENT_SUFFIXES
             | ARCHIVE_SUFFIXES)
# A news article is kilobytes; a JSON collection of thousands of them a few MB (MultiHop-RAG's
# is 7 MB). A larger file is read whole into memory, so it is refused rather than attempted.
MAX_FILE_MB = 32


def file_type(path: Path | str) -> str:
    """The suffix that says how a file is read: ".warc.gz" for a gzipped archive, else the last one."""
    name = Path(path).name.lower()
    return ".warc.gz" if name.endswith(".warc.gz") else Path(name).suffix


@dataclass(frozen=True)
class Record:
    fields: dict
    origin: str  # "path", "path:line", a URL, or "feed entry n"


def iter_files(source: Path) -> Iterator[Path]:
    """The supported files under ``source`` (a file or a folder, walked recursively, sorted)."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            # README files describe a folder; they are not articles.
            if (path.is_file() and file_type(path) in SUPPORTED and not path.name.startswith(".")
                    and not path.name.upper().startswith("README.")):
                yield path
    elif source.is_file():
        if file_type(source) not in SUPPORTED:
            raise SourceError(
                str(source),
                f"unsupported file type '{file_type(source)}'; use one of {', '.join(sorted(SUPPORTED))}",
            )
        yield source
    else:
        raise SourceError(str(source), "no such file or folder")


def _read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_MB * 2**20:
        raise SourceError(
            str(path), f"the file is {size / 2**20:.1f} MB, over the {MAX_FILE_MB} MB limit for one file; "
            "split it (one article per file, or a JSONL file of articles)",
        )
    data = path.read_bytes()
    if not data.strip():
        raise SourceError(str(path), "the file is empty")
    return data


def _read_text(path: Path) -> str:
    data = _read_bytes(path)
    if b"\x00" in data[:8192]:
        raise SourceError(str(path), "binary file (NUL bytes); give a text, HTML or JSON file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SourceError(
            str(path), f"not valid UTF-8 (byte {err.start}); re-save the file as UTF-8"
        ) from None


def read_records(path: Path) -> Iterator[Record | SourceError]:
    """Records of one file; a broken line or record is yielded as a ``SourceError``."""
    suffix = file_type(path)
    if suffix in ARCHIVE_SUFFIXES | DOCUMENT_SUFFIXES | XML_SUFFIXES | FEED_SUFFIXES:
        from ingest.read.formats import read_format

        yield from read_format(path, suffix)
        return
    try:
        text = _read_text(path)
    except SourceError as err:
        yield err
        return
    if suffix in TEXT_SUFFIXES:
        yield _text_record(path, text)
    elif suffix in HTML_SUFFIXES:
        yield _html_record(path, text)
    elif suffix == ".json":
        yield from _json_file(path, text)
    else:
        yield from _json_lines(path, text)


def _text_record(path: Path, text: str) -> Record | SourceError:
    fields: dict = {}
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            try:
                front = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError as err:
                return SourceError(str(path), f"front matter is not valid YAML: {err}")
            except (ValueError, RecursionError) as err:  # "published: 2025-13-45" is a YAML date
                return SourceError(str(path), f"front matter holds an impossible value ({err}); "
                                              "correct it, or quote it to keep it as text")
            if isinstance(front, dict):
                fields.update({str(k): v for k, v in front.items()})
                text = text[end + 4 :].lstrip("\n")
    if path.suffix.lower() != ".txt" and "title" not in fields:
        first, _, rest = text.partition("\n")
        if first.startswith("# "):
            fields["title"] = first[2:].strip()
            text = rest.lstrip("\n")
    fields["text"] = text
    fields.setdefault("_filename", path.name)
    return Record(fields, str(path))


def html_fields(html: str, url: str = "", where: str = "") -> dict | None:
    """Main text and metadata of an HTML page (trafilatura); None when it holds no article text.
    The page's canonical link, when it has one, is its URL. A page the parsers fail on is a
    ``SourceError`` naming ``where`` (or ``url``)."""
    import trafilatura

    from app.text.urls import canonical_url

    try:
        doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True, favor_precision=True)
    except Exception as err:  # trafilatura, htmldate and lxml assert on some broken pages ("<iframe>x")
        detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        raise SourceError(where or url, f"the HTML could not be parsed ({detail}); open and re-save "
                                        "the page, or give its text as a .txt file") from None
    if doc is None or not (doc.text or "").strip():
        return None
    found = doc.url or url
    return {
        "text": doc.text,
        "title": doc.title or "",
        "author": doc.author or "",
        "source": doc.sitename or "",
        "url": canonical_url(found) if found else "",
        "published": _published_time(html) or doc.date or "",
        "language": doc.language or "",
        "category": ", ".join(doc.categories or []) if doc.categories else "",
    }


_PUBLISHED_META = ("article:published_time", "og:published_time", "datePublished", "date", "dc.date",
                   "pubdate", "publishdate")


def _published_time(html: str) -> str:
    """The publish time with its time zone as the page's metadata states it (trafilatura keeps
    only the day)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for name in _PUBLISHED_META:
        for node in tree.xpath(f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]'):
            value = (node.get("content") or "").strip()
            if "T" in value:
                return value
    for node in tree.xpath("//time[@datetime]"):
        if "T" in node.get("datetime", ""):
            return node.get("datetime").strip()
    return ""


def _html_record(path: Path, html: str) -> Record | SourceError:
    try:
        fields = html_fields(html, where=str(path))
    except SourceError as err:
        return err
    if fields is None and _depth(html) >= HTML_MAX_DEPTH:
        return SourceError(str(path), f"the HTML is nested deeper than {HTML_MAX_DEPTH} elements, where the "
                                      "parser stops reading, and holds no article text above that")
    if fields is None:
        return SourceError(str(path), "no article text found in the HTML page")
    return Record({**fields, "_filename": path.name}, str(path))


HTML_MAX_DEPTH = 255  # libxml2 drops what lies deeper


def _depth(html: str) -> int:
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return 0
    return max(sum(1 for _ in node.iterancestors()) for node in tree.iter())


def url_record(url: str, timeout: float, max_bytes: int, allow_private: bool = True) -> Record | SourceError:
    """The article at a web address."""
    from ingest.read.web import fetch

    try:
        page = fetch(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    except SourceError as err:
        return err
    try:
        fields = html_fields(page.text, page.url)
    except SourceError as err:
        return err
    if fields is None:
        return SourceError(url, "no article text found in the page")
    return Record(fields, url)


def _as_record(path: Path, origin: str, value) -> Record | SourceError:
    if not isinstance(value, dict):
        return SourceError(origin, f"expected a JSON object per article, got {type(value).__name__}")
    return Record(value, origin)


def _decode(text: str, path: Path, line: int | None = None):
    """The JSON value of ``text`` (the file, or its ``line``); a ``SourceError`` naming the line
    when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        kind = "invalid JSON line" if line else "invalid JSON"
        raise SourceError(f"{path}:{line or err.lineno}", f"{kind}: {err.msg}") from None
    except (RecursionError, ValueError) as err:  # deep nesting; a number of over 4,300 digits
        what = "is nested too deeply" if isinstance(err, RecursionError) else "holds a number too long to read"
        raise SourceError(f"{path}:{line}" if line else str(path),
                          f"the JSON {what}; give each article as a flat object of text fields") from None


def _json_file(path: Path, text: str) -> Iterator[Record | SourceError]:
    """A .json file: an array of articles, one article (pretty-printed or not), or JSON lines."""
    try:
        value = _decode(text, path)
    except SourceError as err:
        if "\n" in text.strip() and not text.lstrip().startswith("["):
            yield from _json_lines(path, text)
        else:
            yield err
        return
    if isinstance(value, list):
        for number, item in enumerate(value, 1):
            yield _as_record(path, f"{path}[{number}]", item)
    else:
        yield _as_record(path, str(path), value)


def _json_lines(path: Path, text: str) -> Iterator[Record | SourceError]:
    first = True
    # Lines end at "\n" only: JSON strings may hold U+2028 or U+0085, which splitlines() breaks at.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            value = _decode(line, path, number)
        except SourceError as err:
            yield err
            continue
        if first and _is_qa(value):
            yield SourceError(str(path), "this is a QA test set, not articles: give it to 'newsqa eval'")
            return
        first = False
        yield _as_record(path, f"{path}:{number}", value)


def _is_qa(value) -> bool:
    return isinstance(value, dict) and "question" in value and not any(
        k in value for k in ("text", "body", "content")
    )
