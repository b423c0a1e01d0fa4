"""Typed phrases in a sentence: the candidates a factoid answer is made of.

A question that asks for an amount, a date or a person is answered by a sentence that holds one,
and its short answer is that phrase as the source writes it ("1,4 Millionen Wagen", "9. September
2025", "Hans Van Bylen"). Numbers, amounts of money, percentages, dates and durations are read
by patterns in English, German, Russian, Spanish, Arabic and Chinese (digits are universal; the
number and unit words are listed per language). Names are runs of capitalised words: in German,
which capitalises every noun, words that the German noun list knows are not names (``nouns.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from app.text.analysis import base_language, stopwords
from app.text.dates import MONTHS
from app.text.nouns import is_german_noun, is_german_word


class Kind(str, Enum):
    """What a question asks for (its answer type)."""

    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    NAME = "name"  # a named thing of a class the question names ("which charity", "which disease")
    DATE = "date"
    DURATION = "duration"
    COUNT = "count"  # how many of something: a number
    NUMBER = "number"  # how much, how high, by how much: any quantity
    MONEY = "money"
    PERCENT = "percent"
    DOCUMENT = "document"  # a document named by its number ("Erlass Nr. 326")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: Kind
    text: str


# ---- quantities --------------------------------------------------------------------------------

_DIGITS = r"\d{1,3}(?:[.,\u202f\u00a0 ]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|dozens?"
    "|ein|eine|einen|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig"
    "|hundert|dutzend"
    "|один|одна|одно|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|двадцать|тридцать|сорок|пятьдесят|сто"
    "|двух|трех|трёх|четырех|четырёх|пяти|шести|семи|восьми|девяти|десяти|двадцати|тридцати|двумя|тремя|пятью"
    "|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|veinte|treinta|cuarenta|cincuenta|cien|ciento"
    "|اثنان|اثنين|ثلاثة|أربعة|خمسة|ستة|سبعة|ثمانية|تسعة|عشرة|عشرين|مائة|مئة|ثلاث|أربع|خمس|ست|سبع|ثماني|تسع"
)
_SCALE = (
    r"thousand|million|billion|trillion|mn|bn|m|k|tausend|mio\.?|millionen|million|mrd\.?|milliarden|milliarde"
    r"|тыс\.?|тысяч[аи]?|млн\.?|миллион(?:а|ов)?|млрд\.?|миллиард(?:а|ов)?|mil|millones|millón|billones"
    r"|ألف|آلاف|مليون|ملايين|مليار"
)
_CURRENCY_AFTER = (
    r"dollars?|euros?|pounds?|francs?|rubles?|roubles?|yuan|yen|dollar|euro|pfund|franken|rubel|schilling"
    r"|рубл(?:ь|я|ей)|доллар(?:а|ов)?|евро|dólares|pesos|libras|دولار|يورو|جنيه|ريال|درهم"
    r"|usd|eur|chf|gbp|rub|cny"
)
_CURRENCY_BEFORE = r"[$€£¥₽]|US\$|USD|EUR|CHF|GBP"
_PERCENT = r"%|％|percent|per cent|percentage points?|prozent(?:punkte)?|процент(?:а|ов)?|por ciento|puntos porcentuales|في المئة|بالمئة|في المائة"
_TIME_UNITS = (
    r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|jahren?|jahre|monaten?|monate|wochen?|tagen?|tage"
    r"|stunden?|minuten?|sekunden?|min|sek|seg|sec|hrs?|std|jahrzehnten?|jahrzehnte|лет|года?|месяц(?:а|ев)?|недел[ьию]|дн(?:я|ей)|день"
    r"|час(?:а|ов)?|минут[ау]?|секунд[аы]?|años?|meses?|semanas?|días?|horas?|minutos?|سنوات|سنة|عاما|أعوام|أشهر|شهرا|أسابيع|أيام|ساعات|دقائق|ثانية|ثوان|دقيقة|ساعة|يوما"
)
# Units by what they measure: "3.6 centimeters", "6nm", "40 Kilo", "1,000 nits"
UNITS = {
    "length": r"km|cm|mm|nm|µm|kilomet(?:er|re)s?|met(?:er|re)s?|centimet(?:er|re)s?|millimet(?:er|re)s?|nanomet(?:er|re)s?"
              r"|miles?|feet|foot|ft|inch(?:es)?|yards?|zentimeter|millimeter|kilometer|meter"
              r"|км|см|мм|метр(?:а|ов)?|километр(?:а|ов)?|мил[ьяию]|милях|kilómetros|metros|centímetros|millas",
    "weight": r"kg|kilo(?:gram(?:m|s|me|mes)?)?s?|grams?|gramm|tons?|tonnes?|tonnen|lbs?|ounces?|кг|тонн|kilos|toneladas",
    "speed": r"mph|km/h|knots?|stundenkilometer",
    "brightness": r"nits|lumens?",
    "other": r"degrees?|grad|°\s?[CF]?|hectares?|hektar|acres?|square (?:miles|kilomet(?:er|re)s|feet|met(?:er|re)s)"
             r"|quadratkilometer|quadratmeter|liters?|litres?|liter",
}
MEASURES = "|".join(UNITS.values())
# Words that qualify an amount and belong to it: "bis zu 30 Millionen Euro", "just under $2M", "rund 350"
_APPROXIMATELY = (
    r"(?:(?:just |well |slightly )?(?:under|over|below|above)|about|around|almost|nearly|roughly|some|up to|at least|at most"
    r"|more than|less than|fewer than|bis zu|mehr als|weniger als|über|unter|rund|etwa|fast|knapp|mindestens|höchstens|gut"
    r"|ungefähr|circa|ca\.|около|более|почти|примерно|до|más de|menos de|casi|cerca de|unos|unas|alrededor de)\s+"
)
# A range: "15 bis 20", "15 to 20", "15-20"
_TO = r"(?:\s*(?:-|–|bis|to|und|and|до|a|y)\s*(?:{digits}|(?:{words})(?!\w)))?"
# A number with its scale, currency or unit: "2,2 Millionen Dollar", "$5.89bn", "18 Prozent", "drei Jahre"
_QUANTITY = re.compile(
    rf"(?<![\w.,])(?P<approx>{_APPROXIMATELY})?(?P<before>(?:{_CURRENCY_BEFORE})\s?)?"
    rf"(?P<number>(?:{_DIGITS}|(?:{_NUMBER_WORDS})(?!\w)){_TO.format(digits=_DIGITS, words=_NUMBER_WORDS)})"
    rf"(?:\s?(?P<scale>(?:{_SCALE}))(?!\w))?"
    rf"(?:\s?(?P<percent>{_PERCENT})(?!\w))?"
    rf"(?:\s?(?P<after>{_CURRENCY_AFTER})(?!\w))?"
    rf"(?:\s(?P<unit>{_TIME_UNITS})(?!\w))?"
    rf"(?:\s?(?P<measure>{MEASURES})(?![\w/]))?",
    re.IGNORECASE,
)
# Counter words that follow a Chinese number ("两场", "四次", "三名")
_CJK_COUNTER = re.compile(r"\s*[个名人次届场位只家条项座所件种份辆架艘本张枚支轮局分岁倍例起批]")
_CJK_QUANTITY = re.compile(r"[\d一二两三四五六七八九十百千万亿]+(?:\.\d+)?\s*(?:万|亿)?\s*(?P<unit>美元|欧元|英镑|日元|元|%|％|年|个月|周|天|小时|分钟|个|名|人|次|届)?")
_YEAR = re.compile(r"^(?:1\d\d\d|20\d\d)$")
# Russian words that open with a numeral: "шестикратный", "двухэтажный", "пятилетний"
_RUSSIAN_COMPOUND = re.compile(r"(?<!\w)(?:двух|трех|трёх|четырех|четырёх|пяти|шести|семи|восьми|девяти|десяти)"
                               r"(?:кратн|летн|месячн|дневн|этажн|значн|местн|разов|процентн)\w*", re.I)
# "since 2006", "seit November 2000", "с 2006 года", "desde 2006": the start of a duration
_SINCE = re.compile(r"(?<!\w)(?:since|seit|с|desde|منذ)\s+(?:(?:[^\W\d_]+\.?\s+)?\d{4}|\d{1,2}\.?\s+[^\W\d_]+\.?(?:\s+\d{4})?)",
                    re.IGNORECASE)


def _quantities(sentence: str) -> list[Span]:
    found = []
    for match in _QUANTITY.finditer(sentence):
        number = match["number"]
        if match["before"] or match["after"]:
            kind = Kind.MONEY
        elif match["percent"]:
            kind = Kind.PERCENT
        elif match["unit"]:
            kind = Kind.DURATION
        elif _YEAR.match(number) and not match["scale"]:
            kind = Kind.DATE  # a year on its own
        else:
            kind = Kind.NUMBER
        if not number[0].isdigit() and not (match["scale"] or match["after"] or match["unit"] or match["percent"]
                                            or match["measure"]):
            if number.lower() in ("ein", "eine", "einen", "one", "uno", "una", "один", "одна", "одно"):
                continue  # "ein", "one", "una" alone are mostly articles and pronouns
        found.append(Span(match.start(), match.end(), kind, match.group(0)))
    for match in _RUSSIAN_COMPOUND.finditer(sentence):  # "шестикратный": six-fold
        if not any(s.start <= match.start() < s.end for s in found):
            found.append(Span(match.start(), match.end(), Kind.NUMBER, match.group(0)))
    for match in _CJK_QUANTITY.finditer(sentence):
        if not re.search(r"\d|一?[二两三四五六七八九十百千万亿]", match.group(0)):
            continue  # a lone 一 mostly means "a" (一个) or is part of a word (统一)
        counter = None if match["unit"] else _CJK_COUNTER.match(sentence, match.end())
        if not re.search(r"\d", match.group(0)) and not (match["unit"] or counter):
            continue  # numeral characters without a counter word are part of a word or a name ("卡万·肖特")
        unit = match["unit"] or ""
        kind = (Kind.MONEY if unit in ("美元", "欧元", "英镑", "日元", "元") else Kind.PERCENT if unit in ("%", "％")
                else Kind.DURATION if unit in ("年", "个月", "周", "天", "小时", "分钟") else Kind.NUMBER)
        end = counter.end() if counter else match.end()  # "两场", "四次": the number with its counter
        if not any(s.start <= match.start() < s.end for s in found):
            found.append(Span(match.start(), end, kind, sentence[match.start():end].strip()))
    return found


# ---- dates -------------------------------------------------------------------------------------

def alternation(words) -> str:
    """A regex alternative of ``words``, longest first so that "sept" is tried before "sep"."""
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _capitalised_months() -> str:
    return alternation(m[0].upper() + m[1:] for m in MONTHS if len(m) > 3 and m.isalpha())


_ENGLISH_GERMAN_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
                          "october", "november", "december", "januar", "jänner", "februar", "feber", "märz", "maerz",
                          "mai", "juni", "juli", "oktober", "dezember"}


def _lowercase_months() -> str:
    return alternation(m for m in MONTHS if len(m) > 3 and m.isalpha() and m not in _ENGLISH_GERMAN_MONTHS)


@lru_cache(maxsize=1)
def _date_patterns() -> list[re.Pattern]:
    months = alternation(MONTHS)
    month = rf"(?:{months})\.?"
    return [
        # 9. September 2025, 3 de noviembre de 2025, 26 октября 2025 года, 17. Dezember
        re.compile(rf"(?<![\w.,])(?:[12]?\d|3[01])\.?\s+(?:de\s+)?{month}(?!\w)(?:\s+(?:de\s+)?\d{{4}}(?:\s*(?:года|г\.))?)?", re.I),
        # February 4, Nov. 7, October 7, 2023
        re.compile(rf"(?<!\w){month}\s+(?:[12]?\d|3[01])(?:st|nd|rd|th)?(?![\d.,])(?:,?\s+\d{{4}})?", re.I),
        # November 2000, im Juni 2015
        re.compile(rf"(?<!\w){month}(?:\s+(?:de\s+)?\d{{4}})", re.I),
        re.compile(r"(?<!\d)\d{1,2}\.\d{1,2}\.(?:\d{4})?(?!\d)|(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"),
        re.compile(r"(?:\d{4}\s*年\s*)?\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d{4}\s*年"),
        re.compile(r"(?<![\w.,])(?:1\d\d\d|20\d\d)(?![\w,]|\.\d)"),
        # a century: "19. Jahrhundert", "the 19th century", "XIX века", "siglo XIX", "القرن التاسع عشر"
        re.compile(r"(?<![\w.])(?:\d{1,2}\.?\s*(?:Jahrhunderts?|Jh\.)|\d{1,2}(?:st|nd|rd|th)\s+century"
                   r"|[IVX]+\s+(?:века?|веке)|siglos?\s+[IVX]+|القرن\s+\w+(?:\s+عشر)?)(?!\w)", re.I),
        # a time of day: 4:51, 13.30 Uhr, 13 Uhr, 8 a.m.
        re.compile(r"(?<![\w.:])(?:[01]?\d|2[0-3])(?::[0-5]\d(?:\s*(?:Uhr|h|a\.m\.|p\.m\.|am|pm)\b)?|\.[0-5]\d\s*(?:Uhr|h)\b)"
                   r"(?![.:]?\d)|(?<![\w.])(?:[01]?\d|2[0-3])\s*(?:Uhr\b|a\.m\.|p\.m\.)", re.I),
        # a month on its own: "im März", "in October" (capitalised in English and German, so that
        # "may" is no month), "en marzo", "в марте", "في مارس"
        re.compile(rf"(?<!\w)(?:{_capitalised_months()}|{_lowercase_months()})(?!\w)"),
    ]


def _dates(sentence: str) -> list[Span]:
    found: list[Span] = []
    for pattern in _date_patterns():
        for match in pattern.finditer(sentence):
            if match.group(0).strip() and not any(s.start <= match.start() < s.end for s in found):
                found.append(Span(match.start(), match.end(), Kind.DATE, match.group(0)))
    return found


# ---- names -------------------------------------------------------------------------------------

_CAPITAL = r"[A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁІЇЄҐЎ]"
_NAME_WORD = rf"{_CAPITAL}(?:(?![\u3040-\u30ff\u3400-\u9fff])[\w’'.-])*"  # Chinese and Japanese are not cased
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "do", "dos", "du", "la", "le", "bin", "ibn",
              "al", "el", "ter", "zu", "y", "of", "and", "&"}
_NAME_RUN = re.compile(rf"(?<![\w-]){_NAME_WORD}(?:\s+(?:(?:{'|'.join(sorted(_PARTICLES))})\s+)*{_NAME_WORD})*")
TIME_WORDS = {"anfang", "mitte", "ende", "beginning", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag",
             "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lunes", "martes", "miércoles", "jueves",
             "viernes", "sábado", "domingo", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
             "воскресенье"}
_GERMAN_ARTICLE = re.compile(r"\b(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines|im|am|zum|zur|beim|vom"
                             r"|ins|ans|aufs)\s+$", re.I)
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;]\s+|[\"“„«‚‘(]\s*)$")


def _adjective(word: str) -> bool:
    """An inflected German adjective ("Einzige", "Heitere"): a lexeme with an ending, not a noun.
    Given names, which the lexicon also holds ("Werner", "Angela"), are seldom a lexeme plus an
    ending."""
    lowered = word.casefold()
    return not is_german_noun(word) and any(
        lowered.endswith(end) and len(lowered) - len(end) >= 3 and is_german_word(lowered[: -len(end)])
        for end in ("e", "en", "er", "es", "em"))


def names(sentence: str, language: str) -> list[Span]:
    """Runs of capitalised words, split at stop words ("The", "Seit"); a sentence's first word
    standing alone is left out. In German a run of common nouns alone is no name, and nouns that
    open a longer name are cut off ("Richter Carlos Samour") unless one name word would be left
    ("Iwan Kubrakow": the noun list holds given names too)."""
    stop = stopwords(language)
    german = base_language(language) == "de"
    found = []
    for match in _NAME_RUN.finditer(sentence):
        opening = bool(_SENTENCE_OPENING.search(sentence[: match.start()]))
        parts: list[list[re.Match]] = [[]]
        for word in re.finditer(r"\S+", match.group(0)):
            lowered = word.group(0).strip(".’'").lower()
            dated = lowered in MONTHS and re.match(r"\s*\d", match.string[match.start() + word.end():])
            if (lowered in stop or dated or lowered in TIME_WORDS) and not (parts[-1] and lowered in _PARTICLES):
                parts.append([])
            else:
                parts[-1].append(word)
        for part in parts:
            while part and part[-1].group(0).lower() in _PARTICLES:
                part.pop()
            if german and opening and len(part) > 1 and part[0].start() == 0 and _adjective(part[0].group(0)):
                part = part[1:]  # "Einzige Gemeinsamkeit ...": capitalised only by the sentence's opening
            names = [w for w in part if w.group(0).lower() not in _PARTICLES]
            if german:
                # after an article a capitalised word is a noun or a nominalised word ("im Allgemeinen")
                after_article = _GERMAN_ARTICLE.search(sentence[: match.start() + part[0].start()]) if part else None
                nouns = [is_german_noun(w.group(0)) or (k == 0 and after_article is not None and not w.group(0).isupper())
                         for k, w in enumerate(names)]
                if all(nouns):
                    continue
                lead = nouns.index(False)
                of = lead and part[part.index(names[lead - 1]) + 1] is not names[lead]  # "Produkt von El Sistema"
                if len(names) - lead >= 2 or of:
                    part = part[part.index(names[lead - 1]) + 1:] if lead else part
                    while part and part[0].group(0) in _PARTICLES:  # "von", not "El" or "Van"
                        part = part[1:]
                trail = len(nouns) - next(i for i in range(len(nouns), 0, -1) if not nouns[i - 1])
                if trail >= 2:  # "Badawi Anfang Jänner": nouns after a name, not a surname
                    part = part[: part.index(names[len(names) - trail])]
            if not part or (part[0].start() == 0 and opening and len(part) == 1
                            and not (german and not is_german_word(part[0].group(0)))):
                continue  # capitalised only because the sentence starts with it
            start, end = match.start() + part[0].start(), match.start() + part[-1].end()
            text = sentence[start:end].rstrip(".")
            found.append(Span(start, start + len(text), Kind.NAME, text))
    return found


def find(sentence: str, language: str = "") -> list[Span]:
    """Every typed phrase of ``sentence`` (in ``language``): dates, quantities and names, in order."""
    spans = _dates(sentence)  # before quantities: "9. September 2025" is a date, not the number 9
    for found in (_quantities(sentence), names(sentence, language)):
        spans += [n for n in found if not any(s.start < n.end and n.start < s.end for s in spans)]
    return sorted(spans, key=lambda s: s.start)


def since_phrases(sentence: str) -> list[Span]:
    """"since 2006", "seit November 2000": the answers to "how long" and "since when"."""
    return [Span(m.start(), m.end(), Kind.DURATION, m.group(0)) for m in _SINCE.finditer(sentence)]
