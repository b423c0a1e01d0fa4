"""Time expressions in questions ("last week", "in October 2025", "im Oktober", "after October 7,
2023", "gestern", "на прошлой неделе", "la semana pasada", "上周", "الأسبوع الماضي") resolved to a
publish-date range, relative to a reference date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.text.dates import MONTH_WORD as _MONTH
from app.text.dates import MONTHS

_DAY_MONTH_YEAR = (
    rf"(?:(?P<d1>\d{{1,2}})\.?\s+(?:de\s+)?{_MONTH}|(?P<m2>[^\W\d_]{{3,11}})\.?\s+(?P<d2>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?)"
    r"(?:,?\s+(?:de\s+)?(?P<year>\d{4}))?"
)
_AFTER = (r"(?:after|since|from|nach(?:\s+dem)?|seit(?:\s+dem)?|ab(?:\s+dem)?|después\s+del?|desde(?:\s+el)?"
          r"|после|с|بعد|منذ)")
_BEFORE = r"(?:before|until|till|prior to|vor(?:\s+dem)?|bis(?:\s+zum)?|antes\s+del?|hasta(?:\s+el)?|до|قبل|حتى)"
_STRICT = ("after", "nach", "después", "после", "بعد", "before", "prior", "vor", "antes", "до", "قبل")
_IN = r"(?:in|im|during|of|en|durante|в|во|في)"  # before a month or year
_CJK_DAY = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})[日号]")
_CJK_MONTH = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})(?:月份|月)(?!\d)")
_CJK_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})年(?!\d)")
_RELATIVE = {
    "yesterday": ("day", -1), "gestern": ("day", -1), "today": ("day", 0), "heute": ("day", 0),
    "last week": ("week", -1), "letzte woche": ("week", -1), "letzten woche": ("week", -1),
    "vergangene woche": ("week", -1), "vergangenen woche": ("week", -1), "this week": ("week", 0),
    "diese woche": ("week", 0), "last month": ("month", -1), "letzten monat": ("month", -1),
    "vergangenen monat": ("month", -1), "this month": ("month", 0), "diesen monat": ("month", 0),
    "last year": ("year", -1), "letztes jahr": ("year", -1), "im vergangenen jahr": ("year", -1),
    "this year": ("year", 0), "dieses jahr": ("year", 0),
    "вчера": ("day", -1), "сегодня": ("day", 0), "на прошлой неделе": ("week", -1),
    "на этой неделе": ("week", 0), "в прошлом месяце": ("month", -1), "в этом месяце": ("month", 0),
    "в прошлом году": ("year", -1), "в этом году": ("year", 0),
    "ayer": ("day", -1), "hoy": ("day", 0), "la semana pasada": ("week", -1), "esta semana": ("week", 0),
    "el mes pasado": ("month", -1), "este mes": ("month", 0), "el año pasado": ("year", -1),
    "este año": ("year", 0),
    "أمس": ("day", -1), "الأمس": ("day", -1), "اليوم": ("day", 0), "الأسبوع الماضي": ("week", -1),
    "هذا الأسبوع": ("week", 0), "الشهر الماضي": ("month", -1), "هذا الشهر": ("month", 0),
    "العام الماضي": ("year", -1), "السنة الماضية": ("year", -1), "هذا العام": ("year", 0),
}
# Chinese writes no spaces, so these are found without word boundaries.
_RELATIVE_CJK = {
    "昨天": ("day", -1), "今天": ("day", 0), "上周": ("week", -1), "上星期": ("week", -1), "本周": ("week", 0),
    "这周": ("week", 0), "上个月": ("month", -1), "上月": ("month", -1), "本月": ("month", 0),
    "这个月": ("month", 0), "去年": ("year", -1), "今年": ("year", 0),
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


def _cjk_range(match: re.Match, reference: date, unit: str) -> TimeRange | None:
    """"2025年11月3日", "11月", "2025年" as a day, month or year (a month without a year: the last
    one up to the reference date)."""
    year = int(match["year"]) if match["year"] else None
    month = int(match["month"]) if unit != "year" else 1
    if not 1 <= month <= 12:
        return None
    if year is None:
        year = reference.year if month <= reference.month else reference.year - 1
    try:
        if unit == "day":
            day = date(year, month, int(match["day"]))
            return TimeRange(day, day, match.group(0))
    except ValueError:
        return None
    if unit == "month":
        return TimeRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), match.group(0))
    return TimeRange(date(year, 1, 1), date(year, 12, 31), match.group(0))


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
        strict = match.group(0).lower().startswith(_STRICT)
        claim(match, day and TimeRange(day + timedelta(days=1 if strict else 0), None, match.group(0)))
    for match in re.finditer(rf"\b{_BEFORE}\s+(?:the\s+)?{_DAY_MONTH_YEAR}", text, re.IGNORECASE):
        day = _day(match, reference)
        strict = match.group(0).lower().startswith(_STRICT)
        claim(match, day and TimeRange(None, day - timedelta(days=1 if strict else 0), match.group(0)))
    for match in re.finditer(rf"\b{_DAY_MONTH_YEAR}", text, re.IGNORECASE):
        day = _day(match, reference)
        claim(match, day and TimeRange(day, day, match.group(0)))
    for match in _CJK_DAY.finditer(text):
        claim(match, _cjk_range(match, reference, "day"))
    for match in _CJK_MONTH.finditer(text):
        claim(match, _cjk_range(match, reference, "month"))
    for match in _CJK_YEAR.finditer(text):
        claim(match, _cjk_range(match, reference, "year"))
    for match in re.finditer(rf"\b{_IN}?\s*{_MONTH}\s+(?:de\s+|del\s+)?(?P<year>\d{{4}})\b", text, re.IGNORECASE):
        month = _month(match["month"])
        if month:
            year = int(match["year"])
            claim(match, TimeRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]),
                                   match.group(0).strip()))
    for match in re.finditer(rf"\b{_IN}\s+{_MONTH}(?!\s+(?:de\s+)?\d)", text, re.IGNORECASE):
        month = _month(match["month"])
        if month:
            year = reference.year if month <= reference.month else reference.year - 1
            claim(match, TimeRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]),
                                   match.group(0)))
    in_year = r"\b(?:in|im Jahr|im Jahre?|en|en el año|в|во|في|عام)\s+(?P<year>(?:19|20)\d{2})\b"
    for match in re.finditer(in_year, text, re.IGNORECASE):
        year = int(match["year"])
        claim(match, TimeRange(date(year, 1, 1), date(year, 12, 31), match.group(0)))
    lowered = text.lower()
    for phrase, (unit, offset) in _RELATIVE.items():
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", lowered):
            since, until = _period(unit, offset, reference)
            claim(match, TimeRange(since, until, text[match.start() : match.end()]))
    for phrase, (unit, offset) in _RELATIVE_CJK.items():
        for match in re.finditer(re.escape(phrase), text):
            since, until = _period(unit, offset, reference)
            claim(match, TimeRange(since, until, match.group(0)))
    return [value for _, value in sorted(found, key=lambda item: item[0])]


def question_range(question: str, reference: date) -> TimeRange | None:
    """The one range a question restricts itself to; None when it names no time or several
    (a question about two dated reports needs both, so no single filter applies)."""
    ranges = resolve(question, reference)
    return ranges[0] if len(ranges) == 1 else None
