"""Dates as news writes them (German and English), normalised to ISO 8601; datelines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

MONTHS = {
    # German
    "januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "dezember": 12, "dez": 12,
    # English
    "january": 1, "february": 2, "march": 3, "mar": 3, "may": 5, "june": 6, "july": 7,
    "october": 10, "oct": 10, "december": 12, "dec": 12,
}
_MONTH = r"(?P<month>[A-Za-zÄÖÜäöü]{3,10})\.?"
_DAY_FIRST = re.compile(rf"^(?P<day>\d{{1,2}})\.?\s+{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?$")
_MONTH_FIRST = re.compile(rf"^{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?$")
_NUMERIC = re.compile(r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})?$")
_ISO_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

# "MINSK, 26. Oktober (BelTA) – ", "WASHINGTON (AP) — ", "Berlin, 3. März 2025 (dpa) - "
DATELINE = re.compile(
    r"^\s*(?P<place>[A-ZÄÖÜ][A-Za-zÄÖÜäöüß.'’/ -]{1,40}?)"
    r"(?:,\s*(?P<date>[0-9A-Za-zÄÖÜäöü., ]{3,30}?))?"
    r"\s*\((?P<agency>[^()\n]{2,40})\)\s*[-–—]+\s+"
)


_NOT_PLACES = {"der", "die", "das", "ein", "eine", "the", "a", "an", "this", "it", "he", "she", "we"}


@dataclass(frozen=True)
class PartialDate:
    """A date as far as the text says it: the year may be missing."""

    month: int
    day: int
    year: int | None = None

    def iso(self) -> str:
        return date(self.year, self.month, self.day).isoformat() if self.year else ""


@dataclass(frozen=True)
class Dateline:
    place: str
    agency: str
    date: PartialDate | None
    end: int  # offset where the report proper starts


def parse_partial_date(text: str) -> PartialDate | None:
    text = text.strip()
    match = _NUMERIC.match(text)
    if match:
        month = int(match["month"])
    else:
        match = _DAY_FIRST.match(text) or _MONTH_FIRST.match(text)
        if not match:
            return None
        month = MONTHS.get(match["month"].lower())
        if month is None:
            return None
    year = int(match["year"]) if match["year"] else None
    try:
        date(year or 2000, month, int(match["day"]))
    except ValueError:
        return None
    return PartialDate(month=month, day=int(match["day"]), year=year)


def parse_dateline(text: str) -> Dateline | None:
    match = DATELINE.match(text)
    if not match:
        return None
    place = match["place"].strip(" ,")
    # A place is written in capitals or as a few capitalised words, not a sentence start.
    words = place.split()
    if len(words) > 3 or words[0].lower() in _NOT_PLACES:
        return None
    when = parse_partial_date(match["date"]) if match["date"] else None
    if match["date"] and when is None:
        return None
    return Dateline(place=place, agency=match["agency"].strip(), date=when, end=match.end())


def normalise_published(value) -> str:
    """An ISO 8601 string for a date given as text, date or datetime; ``""`` when unusable."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc).isoformat()
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        partial = parse_partial_date(text)
        return partial.iso() if partial and partial.year else ""
    if len(text) == 10:  # a plain date stays a plain date
        return parsed.date().isoformat()
    return parsed.isoformat()


def published_timestamp(iso: str) -> int | None:
    """Seconds since the epoch (UTC; a plain date counts from its midnight UTC)."""
    if not iso:
        return None
    parsed = datetime.fromisoformat(iso)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp())


def date_in_name(name: str) -> date | None:
    match = _ISO_IN_NAME.search(name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
