"""Dates as news writes them (English, German, Russian, Belarusian, Spanish, Arabic, Chinese),
normalised to ISO 8601; datelines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

MONTHS = {
    # German
    "januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feber": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "dezember": 12, "dez": 12,
    # English
    "january": 1, "february": 2, "march": 3, "mar": 3, "may": 5, "june": 6, "july": 7,
    "october": 10, "oct": 10, "december": 12, "dec": 12,
    # Spanish
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4, "mayo": 5, "junio": 6,
    "julio": 7, "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10,
    "noviembre": 11, "diciembre": 12, "dic": 12,
    # Russian, in the genitive that dates use and the nominative
    "января": 1, "январь": 1, "янв": 1, "февраля": 2, "февраль": 2, "фев": 2, "марта": 3, "март": 3,
    "апреля": 4, "апрель": 4, "апр": 4, "мая": 5, "май": 5, "июня": 6, "июнь": 6, "июля": 7,
    "июль": 7, "августа": 8, "август": 8, "авг": 8, "сентября": 9, "сентябрь": 9, "сен": 9,
    "сент": 9, "октября": 10, "октябрь": 10, "окт": 10, "ноября": 11, "ноябрь": 11, "ноя": 11,
    "декабря": 12, "декабрь": 12, "дек": 12,
    "январе": 1, "феврале": 2, "марте": 3, "апреле": 4, "мае": 5, "июне": 6, "июле": 7, "августе": 8,
    "сентябре": 9, "октябре": 10, "ноябре": 11, "декабре": 12,  # prepositional: "в октябре"
    # Belarusian (genitive)
    "студзеня": 1, "лютага": 2, "сакавіка": 3, "красавіка": 4, "траўня": 5, "чэрвеня": 6,
    "ліпеня": 7, "жніўня": 8, "верасня": 9, "кастрычніка": 10, "лістапада": 11, "снежня": 12,
    # Arabic (the names used in Egypt and the Gulf), in the spelling without hamza too
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6,
    "يوليو": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11,
    "ديسمبر": 12,
}
MONTH_WORD = r"(?P<month>[^\W\d_]{3,11})\.?"  # a month name as MONTHS spells it, with its dot
_MONTH = MONTH_WORD
# "26. Oktober 2025", "3 de noviembre de 2025", "26 октября 2025 года", "3 نوفمبر 2025"
_YEAR = r"(?:,?\s+(?:de\s+)?(?P<year>\d{4})(?:\s*(?:года|г\.|год))?)?"
_DAY_FIRST = re.compile(rf"^(?P<day>\d{{1,2}})\.?\s+(?:de\s+)?{_MONTH}{_YEAR}$")
# "2025年11月3日"
_CJK_DATE = re.compile(r"^(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]$")
_MONTH_FIRST = re.compile(rf"^{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?$")
_NUMERIC = re.compile(r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})?$")
_ISO_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

# PLACE[, REGION][, DATE] [(AGENCY)] DASH: "MINSK, 26. Oktober (BelTA) – ", "WASHINGTON (AP) — ",
# "KYIV, Ukraine (AP) — ", "Wien, 4.11.2025 (APA) – ", "МИНСК, 26 октября (БелТА) – ",
# "MADRID, 3 nov (EFE).– ", "القاهرة، 3 نوفمبر (رويترز) - "; in any script (checked by is_place)
DATELINE = re.compile(
    r"^\s*(?P<place>[^\W\d_][\w.'’/ -]{1,40}?)"
    r"(?:[,،]\s*(?P<rest>[\w.,'’ -]{2,40}?))?"
    r"\s*(?:[(（](?P<agency>[^()（）\n]{2,40})[)）]\s*)?(?P<dash>\.?[-–—]+|(?<=[)）])\.(?=\s))\s+"
)
# AGENCY PLACE DATE 电 [(REPORTER)]: "新华社北京11月3日电（记者张三）", "本报北京2025年11月3日电"
CJK_DATELINE = re.compile(
    r"^\s*(?P<agency>[\u4e00-\u9fff]{1,6}?[社网报])(?P<place>[\u4e00-\u9fff]{2,8}?)"
    r"(?P<when>(?:\d{4}年)?\d{1,2}月\d{1,2}日)电\s*(?:[(（][^()（）\n]{0,40}[)）])?\s*"
)

# First words of sentences, never of places: "Die Republik (BelTA) – hat", "In Berlin, 3. März – ".
_NOT_PLACES = {
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "the", "a", "an", "this",
    "that", "it", "he", "she", "we", "they", "i", "in", "im", "am", "auf", "aus", "bei", "mit",
    "nach", "seit", "von", "vom", "zum", "zur", "bis", "ab", "laut", "wie", "als", "wenn", "at",
    "on", "by", "from", "for", "to", "of", "since", "until", "after", "before", "as", "when",
    "heute", "gestern", "morgen", "today", "yesterday", "tomorrow",
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "el", "los", "las", "en", "con", "por", "para", "según", "hoy", "ayer",
    "в", "во", "на", "по", "с", "из", "к", "от", "для", "он", "она", "они", "это", "сегодня", "вчера",
    "في", "من", "على", "الى", "إلى", "عن", "مع", "هذا", "هذه", "اليوم", "أمس",
}
# Lower-case words inside place names: "Frankfurt am Main", "Rio de Janeiro".
_CONNECTORS = {"am", "an", "der", "im", "in", "ob", "bei", "de", "del", "da", "la", "le", "sur", "upon", "on"}


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
    match = _NUMERIC.match(text) or _CJK_DATE.match(text)
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
    chinese = CJK_DATELINE.match(text)
    if chinese:
        return Dateline(place=chinese["place"], agency=chinese["agency"], date=parse_partial_date(chinese["when"]),
                        end=chinese.end())
    match = DATELINE.match(text)
    if not match or not is_place(match["place"]):
        return None
    place, when = match["place"].strip(), None
    if match["rest"]:
        found = _region_and_date(match["rest"])
        if found is None:
            return None
        region, when = found
        place = f"{place}, {region}" if region else place
    # Without an agency only a date and a true dash make a dateline; "BERLIN - so" is prose.
    if not match["agency"] and (when is None or match["dash"] not in ("–", "—")):
        return None
    agency = (match["agency"] or "").strip()
    return Dateline(place=place, agency=agency, date=when, end=match.end())


def is_place(text: str) -> bool:
    """Written in capitals or as a few capitalised words, joined by the lower-case words of place
    names ("St. Georgen im Attergau"; any words in a script without capitals), not a sentence start."""
    words = text.split()
    named = [word for word in words if word not in _CONNECTORS]
    if not named or len(named) > 3 or words[0].lower() in _NOT_PLACES or any(c.isdigit() or c == "_" for c in text):
        return False
    return all(word[0].isupper() or word in _CONNECTORS or _uncased(word[0]) for word in words)


def _uncased(letter: str) -> bool:
    """A letter of a script without capitals (Arabic, Hebrew, Chinese)."""
    return letter.isalpha() and letter == letter.upper() == letter.lower() and not letter.isascii()


def _region_and_date(rest: str) -> tuple[str, PartialDate | None] | None:
    """What follows the place's comma: a date ("26. Oktober"), a region ("Ukraine"), or both."""
    when = parse_partial_date(rest)
    if when:
        return "", when
    region, _, tail = (part.strip() for part in rest.partition(","))
    if not is_place(region) or region.lower().rstrip(".") in MONTHS:
        return None
    when = parse_partial_date(tail) if tail else None
    return (region, when) if when or not tail else None


def normalise_published(value) -> str:
    """An ISO 8601 string for a date given as text, date or datetime; ``""`` when unusable."""
    if value in (None, ""):
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _from_rfc2822(text) or _from_partial(text)
    if len(text) == 10:  # a plain date stays a plain date
        return parsed.date().isoformat()
    return parsed.isoformat()


def _from_rfc2822(text: str) -> str:
    """Feeds write "Wed, 05 Nov 2025 17:10:00 +0100"; the offset is kept."""
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _from_partial(text: str) -> str:
    partial = parse_partial_date(text)
    return partial.iso() if partial else ""  # iso() is "" without a year


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
