"""Time expressions in questions ("last week", "in October 2025", "im Oktober", "after October 7,
2023", "gestern") resolved to a publish-date range, relative to a reference date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.text.dates import MONTH_WORD as _MONTH
from app.text.dates import MONTHS

_DAY_MONTH_YEAR = (
    rf"(?:(?P<d1>\d{{1,2}})\.?\s+{_MONTH}|(?P<m2>[A-Za-zÄÖÜäöü]{{3,10}})\.?\s+(?P<d2>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?)"
    r"(?:,?\s+(?P<year>\d{4}))?"
)
_AFTER = r"(?:after|since|from|nach(?:\s+dem)?|seit(?:\s+dem)?|ab(?:\s+dem)?)"
_BEFORE = r"(?:before|until|till|prior to|vor(?:\s+dem)?|bis(?:\s+zum)?)"
_RELATIVE = {
    "yesterday": ("day", -1), "gestern": ("day", -1), "today": ("day", 0), "heute": ("day", 0),
    "last week": ("week", -1), "letzte woche": ("week", -1), "letzten woche": ("week", -1),
    "vergangene woche": ("week", -1), "vergangenen woche": ("week", -1), "this week": ("week", 0),
    "diese woche": ("week", 0), "last month": ("month", -1), "letzten monat": ("month", -1),
    "vergangenen monat": ("month", -1), "this month": ("month", 0), "diesen monat": ("month", 0),
    "last year": ("year", -1), "letztes jahr": ("year", -1), "im vergangenen jahr": ("year", -1),
    "this year": ("year", 0), "dieses jahr": ("year", 0),
}


@dataclass(frozen=True)
class TimeRange:
    since: date | None
    until: date | None
    text: str  # the words of the question it was read from

    def as_filters(self) -> dict:
        return {k: v.isoformat() for k, v in (("since", self.since), ("until", self.until)) if v}


def _month(name: str) -> int | None:
    return MONTHS.get(name.lower().rstrip("."))


def _day(match: re.Match, reference: date) -> date | None:
    month = _month(match["month"] or match["m2"] or "")
    day = int(match["d1"] or match["d2"])
    if month is None:
        return None
    year = int(match["year"]) if match["year"] else reference.year
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if not match["year"] and found > reference:  # "October 7" means the last one before today
        found = found.replace(year=year - 1)
    return found


def _period(unit: str, offset: int, reference: date) -> tuple[date, date]:
    if unit == "day":
        day = reference + timedelta(days=offset)
        return day, day
    if unit == "week":
        monday = reference - timedelta(days=reference.weekday()) + timedelta(weeks=offset)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        year, month = reference.year, reference.month + offset
        while month < 1:
            year, month = year - 1, month + 12
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    year = reference.year + offset
    return date(year, 1, 1), date(year, 12, 31)


def resolve(question: str, reference: date) -> list[TimeRange]:
    """Every time expression of the question, as date ranges (in order of appearance)."""
    text = question
    found: list[tuple[int, TimeRange]] = []
    taken: list[tuple[int, int]] = []

    def claim(match: re.Match, value: TimeRange | None) -> None:
        if value and not any(a < match.end() and match.start() < b for a, b in taken):
            taken.append((match.start(), match.end()))
            found.append((match.start(), value))

    for match in re.finditer(rf"\b{_AFTER}\s+(?:the\s+)?{_DAY_MONTH_YEAR}", text, re.IGNORECASE):
        day = _day(match, reference)
        strict = match.group(0).lower().startswith(("after", "nach"))
        claim(match, day and TimeRange(day + timedelta(days=1 if strict else 0), None, match.group(0)))
    for match in re.finditer(rf"\b{_BEFORE}\s+(?:the\s+)?{_DAY_MONTH_YEAR}", text, re.IGNORECASE):
        day = _day(match, reference)
        strict = match.group(0).lower().startswith(("before", "prior", "vor"))
        claim(match, day and TimeRange(None, day - timedelta(days=1 if strict else 0), match.group(0)))
    for match in re.finditer(rf"\b{_DAY_MONTH_YEAR}", text, re.IGNORECASE):
        day = _day(match, reference)
        claim(match, day and TimeRange(day, day, match.group(0)))
    for match in re.finditer(rf"\b(?:in|im|during|of)?\s*{_MONTH}\s+(?P<year>\d{{4}})\b", text, re.IGNORECASE):
        month = _month(match["month"])
        if month:
            year = int(match["year"])
            claim(match, TimeRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]),
                                   match.group(0).strip()))
    for match in re.finditer(rf"\b(?:in|im)\s+{_MONTH}(?!\s+\d)", text, re.IGNORECASE):
        month = _month(match["month"])
        if month:
            year = reference.year if month <= reference.month else reference.year - 1
            claim(match, TimeRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]),
                                   match.group(0)))
    for match in re.finditer(r"\b(?:in|im Jahr|im Jahre?)\s+(?P<year>(?:19|20)\d{2})\b", text, re.IGNORECASE):
        year = int(match["year"])
        claim(match, TimeRange(date(year, 1, 1), date(year, 12, 31), match.group(0)))
    lowered = text.lower()
    for phrase, (unit, offset) in _RELATIVE.items():
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", lowered):
            since, until = _period(unit, offset, reference)
            claim(match, TimeRange(since, until, text[match.start() : match.end()]))
    return [value for _, value in sorted(found, key=lambda item: item[0])]


def question_range(question: str, reference: date) -> TimeRange | None:
    """The one range a question restricts itself to; None when it names no time or several
    (a question about two dated reports needs both, so no single filter applies)."""
    ranges = resolve(question, reference)
    return ranges[0] if len(ranges) == 1 else None
