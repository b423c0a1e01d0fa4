"""Turn a raw record into an ``Article``: field aliases, dateline, date, language, title, id."""

from __future__ import annotations

import re
from datetime import date, datetime

from app.errors import SourceError
from app.text.dates import date_in_name, normalise_published, parse_dateline
from app.text.language import detect_language
from app.text.urls import canonical_url
from app.types import Article, stable_id
from ingest.build.segment import split_sentences
from ingest.read.readers import Record

ALIASES = {
    "text": ("text", "body", "content", "article", "maintext", "full_text"),
    "title": ("title", "headline", "heading"),
    "source": ("source", "outlet", "publisher", "sitename", "site_name", "agency"),
    "url": ("url", "link", "href", "canonical_url"),
    "author": ("author", "authors", "byline", "creator"),
    "published": ("published", "published_at", "date", "publish_date", "pubdate", "datetime",
                  "created_at", "time"),
    "language": ("language", "lang", "locale"),
    "category": ("category", "categories", "section", "topic"),
    "id": ("id", "article_id", "doc_id", "uid", "guid"),
    "place": ("place", "dateline_place", "located"),  # when the text itself opens with no dateline
}
_PAGE_MARK = "\ue000"  # a private-use character marking where each page of a document starts
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")
_TITLE_MAX = 140
# A long news report is 50,000 characters; a "report" far beyond that is a book or a dump, and
# would take minutes to embed.
MAX_ARTICLE_CHARS = 1_000_000
# Characters that change how text is shown or parsed without being text: C0 and C1 controls
# (but tab and newline), zero-width space, word joiner and byte-order mark, and the bidi
# embeddings, overrides and isolates ("Trojan Source"). Joiners (U+200C, U+200D) stay: scripts
# and emoji need them.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON may escape half a pair ("\\ud800"); UTF-8 cannot hold it


def sanitise(text: str) -> str:
    """``text`` without invisible control and direction characters; otherwise verbatim."""
    return _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", text))


def _pick(fields: dict, key: str):
    for name in ALIASES[key]:
        value = fields.get(name)
        if value not in (None, "", []):
            return value
    return None


def _as_text(value, where: str, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sanitise(", ".join(value)).strip()
    if isinstance(value, (date, datetime)):  # YAML front matter parses dates itself
        return value.isoformat()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return sanitise(str(value)).strip()
    raise SourceError(where, f"field '{key}' must be a string, got {type(value).__name__}")


def _title_from_text(text: str, language: str) -> str:
    """A report without a headline is titled by its lead sentence."""
    first = text.strip().split("\n", 1)[0].strip()
    spans = split_sentences(first, language)
    if spans:
        first = first[spans[0][0] : spans[0][1]]
    if len(first) <= _TITLE_MAX:
        return first
    cut = first[:_TITLE_MAX].rsplit(" ", 1)[0]
    return cut + " …"


def build_article(record: Record) -> Article:
    """Raise ``SourceError`` naming the record when it cannot be an article."""
    fields, where = record.fields, record.origin
    filename = fields.get("_filename")
    filename = filename if isinstance(filename, str) else ""  # a record may carry its own, of any type
    raw_text = _pick(fields, "text")
    if raw_text is not None and not isinstance(raw_text, str):
        raise SourceError(where, f"field 'text' must be a string, got {type(raw_text).__name__}")
    text = raw_text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(raw_text, str) else ""
    text, pages = _page_starts(sanitise(_marked(text, fields.get("_pages"))).strip("\n"))
    if not text.strip():
        names = "/".join(ALIASES["text"][:3])
        raise SourceError(where, f"no article text (expected a non-empty '{names}' field)")
    if len(text) > MAX_ARTICLE_CHARS:
        raise SourceError(where, f"the article text is {len(text):,} characters, over the limit of "
                                 f"{MAX_ARTICLE_CHARS:,} for one article; split it into several articles")
    values = {key: _as_text(_pick(fields, key), where, key) for key in ALIASES if key != "text"}

    body_start = _after_repeated_title(text, values["title"])
    dateline = parse_dateline(text[body_start:])
    if dateline:
        body_start += dateline.end
    stamp = _pick(fields, "published")  # a number is seconds since the epoch
    published = normalise_published(stamp if isinstance(stamp, (int, float)) else values["published"])
    if values["published"] and not published:
        raise SourceError(where, f"unreadable date '{values['published']}'; use ISO 8601 (2025-10-26)")
    if not published:
        published = _date_from_dateline_and_name(dateline, filename)

    language = values["language"].lower()[:2] or detect_language(text[body_start:])
    source = values["source"] or (dateline.agency if dateline else "")
    title = values["title"] or _title_from_text(text[body_start:], language)
    return Article(
        id=_identity(values, filename, text),
        text=text,
        title=title,
        source=source,
        url=values["url"],
        author=values["author"],
        published=published,
        language=language,
        category=values["category"],
        place=dateline.place if dateline else values["place"],
        body_start=body_start,
        origin=where,
        extra=_extra(fields, pages),
    )


def _marked(text: str, starts) -> str:
    """``text`` with a mark at each page start a document reader gave (``_pages``)."""
    if not isinstance(starts, list) or not all(isinstance(n, int) for n in starts):
        return text.replace(_PAGE_MARK, "")
    text = text.replace(_PAGE_MARK, "")
    for at in sorted(starts, reverse=True):
        text = text[:at] + _PAGE_MARK + text[at:]
    return text


def _page_starts(text: str) -> tuple[str, list[int]]:
    """The text without its page marks, and where each page starts in it."""
    starts, parts = [], text.split(_PAGE_MARK)
    at = len(parts[0])
    for part in parts[1:]:
        starts.append(at)
        at += len(part)
    return "".join(parts), starts


def _extra(fields: dict, pages: list[int]) -> dict:
    """What the store keeps beside the article's fields: its pages' starts (a document's), and
    a wire item's version and version time."""
    extra = {"pages": pages} if pages else {}
    for key in ("version", "version_created"):
        value = fields.get(f"_{key}")
        if isinstance(value, (str, int)) and str(value).strip():
            extra[key] = str(value).strip()
    return extra


def _after_repeated_title(text: str, title: str) -> int:
    """Where the body starts when its first line repeats the headline (as extracted web pages
    often do): the headline is metadata, not a sentence of the report."""
    first, newline, rest = text.partition("\n")
    if title and newline and first.strip().rstrip(".").casefold() == title.strip().rstrip(".").casefold():
        return len(text) - len(rest.lstrip("\n"))
    return 0


def _identity(values: dict, filename: str, text: str) -> str:
    """Given id, else url, else the file name, else the text itself."""
    if values["id"]:
        given = _safe_id(values["id"])
        if given:
            return given
    if values["url"]:  # one id for the tracking, mobile and AMP spellings of one address
        return stable_id(canonical_url(values["url"]), prefix="u-")
    if filename:
        return "f-" + _safe_id(filename.rsplit(".", 1)[0])
    return stable_id(text, prefix="h-")


def _safe_id(name: str) -> str:
    """``name`` in id characters. A name beyond ASCII keeps a hash of itself, so that "Müller"
    and "Möller" (or two ids in Chinese) do not become one id and replace each other."""
    safe = _ID_UNSAFE.sub("-", name).strip("-")
    if name.isascii():
        return safe
    return f"{safe}-{stable_id(name)[:8]}".lstrip("-")


def _date_from_dateline_and_name(dateline, filename: str) -> str:
    """A dateline's day and month, dated by a year from the file name when the two agree."""
    named = date_in_name(filename)
    if dateline is None or dateline.date is None:
        return named.isoformat() if named else ""
    when = dateline.date
    if when.year:
        return when.iso()
    if named and (named.month, named.day) == (when.month, when.day):
        return named.isoformat()
    return ""  # no year anywhere: the date stays unknown rather than invented
