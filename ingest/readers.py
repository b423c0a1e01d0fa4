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
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES


@dataclass(frozen=True)
class Record:
    fields: dict
    origin: str  # "path", "path:line", a URL, or "feed entry n"


def iter_files(source: Path) -> Iterator[Path]:
    """The supported files under ``source`` (a file or a folder, walked recursively, sorted)."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            # README files describe a folder; they are not articles.
            if (path.is_file() and path.suffix.lower() in SUPPORTED and not path.name.startswith(".")
                    and not path.name.upper().startswith("README.")):
                yield path
    elif source.is_file():
        if source.suffix.lower() not in SUPPORTED:
            raise SourceError(
                str(source),
                f"unsupported file type '{source.suffix}'; use one of {', '.join(sorted(SUPPORTED))}",
            )
        yield source
    else:
        raise SourceError(str(source), "no such file or folder")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise SourceError(str(path), "the file is empty")
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
    try:
        text = _read_text(path)
    except SourceError as err:
        yield err
        return
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        yield _text_record(path, text)
    elif suffix in HTML_SUFFIXES:
        yield _html_record(path, text)
    elif suffix == ".json" and text.lstrip().startswith("["):
        yield from _json_array(path, text)
    elif suffix == ".json":
        yield from _json_lines(path, text) if text.count("\n") > 1 else _json_object(path, text)
    else:
        yield from _json_lines(path, text)


def _text_record(path: Path, text: str) -> Record:
    fields: dict = {}
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            try:
                front = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError as err:
                return SourceError(str(path), f"front matter is not valid YAML: {err}")
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


def html_fields(html: str, url: str = "") -> dict | None:
    """Main text and metadata of an HTML page (trafilatura); None when it holds no article text.
    The page's canonical link, when it has one, is its URL."""
    import trafilatura

    from ingest.web import canonical_url

    doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True, favor_precision=True)
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
    fields = html_fields(html)
    if fields is None:
        return SourceError(str(path), "no article text found in the HTML page")
    return Record({**fields, "_filename": path.name}, str(path))


def url_record(url: str, timeout: float, max_bytes: int, allow_private: bool = True) -> Record | SourceError:
    """The article at a web address."""
    from ingest.web import fetch

    try:
        page = fetch(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    except SourceError as err:
        return err
    fields = html_fields(page.text, page.url)
    if fields is None:
        return SourceError(url, "no article text found in the page")
    return Record(fields, url)


def _as_record(path: Path, origin: str, value) -> Record | SourceError:
    if not isinstance(value, dict):
        return SourceError(origin, f"expected a JSON object per article, got {type(value).__name__}")
    return Record(value, origin)


def _json_array(path: Path, text: str) -> Iterator[Record | SourceError]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as err:
        yield SourceError(f"{path}:{err.lineno}", f"invalid JSON: {err.msg}")
        return
    for number, item in enumerate(items, 1):
        yield _as_record(path, f"{path}[{number}]", item)


def _json_object(path: Path, text: str) -> Iterator[Record | SourceError]:
    try:
        yield _as_record(path, str(path), json.loads(text))
    except json.JSONDecodeError as err:
        yield SourceError(f"{path}:{err.lineno}", f"invalid JSON: {err.msg}")


def _json_lines(path: Path, text: str) -> Iterator[Record | SourceError]:
    first = True
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            yield SourceError(f"{path}:{number}", f"invalid JSON line: {err.msg}")
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
