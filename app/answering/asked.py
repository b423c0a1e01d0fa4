"""What a question asks for: the kind of thing (its answer type) and the words that say which one.

The classic factoid move: the question's wh-phrase names the type of its answer ("how many" a
number, "who" a person, "when" a date, "which decree" a numbered document, "in which city" a
place), and the sentence that answers holds a phrase of that type (``spans.py``). Read in English,
German, Russian, Spanish, Chinese and Arabic. A question whose wording names no type (what is
the plan, why did they, did they) has ``kind`` None: it is answered by a sentence, with no short
answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.spans import Kind
from app.text.analysis import base_language

# Nouns after "which"/"welche"/"what" that name the class of the answer.
_CLASS_NOUNS = {
    Kind.PERSON: (
        r"person|people|man|woman|judge|coach|manager|minister|president|chancellor|ceo|chief|director|player|conductor"
        r"|leader|author|writer|singer|actor|actress|artist|founder|candidate|politician|official|spokesman|spokeswoman"
        r"|spokesperson|executive|chairman|chairwoman|successor|predecessor|winner|driver|rider|athlete|scientist"
        r"|researcher|doctor|lawyer|priest|king|queen|prince|princess|governor|mayor|senator|general|member"
        r"|mensch|mann|frau|richter(?:in)?|trainer(?:in)?|minister(?:in)?|präsident(?:in)?|kanzler(?:in)?|chef(?:in)?"
        r"|spieler(?:in)?|dirigent(?:in)?|autor(?:in)?|sänger(?:in)?|schauspieler(?:in)?|künstler(?:in)?|gründer(?:in)?"
        r"|kandidat(?:in)?|politiker(?:in)?|sprecher(?:in)?|nachfolger(?:in)?|vorgänger(?:in)?|sieger(?:in)?"
        r"|fahrer(?:in)?|sportler(?:in)?|forscher(?:in)?|arzt|ärztin|anwalt|anwältin|bürgermeister(?:in)?"
    ),
    Kind.ORGANISATION: (
        r"company|companies|firm|business|organi[sz]ation|agency|charity|group|club|team|party|bank|government"
        r"|ministry|department|university|newspaper|broadcaster|network|union|court|institution|manufacturer|carmaker"
        r"|airline|retailer|startup|start-up|brand|label|studio|publisher|association|federation|league"
        r"|unternehmen|firma|konzern|organisation|agentur|hilfswerk|verein|klub|club|mannschaft|team|partei|bank"
        r"|regierung|ministerium|universität|zeitung|sender|gewerkschaft|gericht|institution|hersteller"
        r"|fluglinie|fluggesellschaft|marke|verlag|verband|liga|behörde|stiftung"
    ),
    Kind.PLACE: (
        r"city|town|village|country|countries|state|region|province|place|capital|island|district|port|airport"
        r"|stadium|venue|continent|area|location"
        r"|stadt|ort|dorf|land|länder|staat|bundesland|region|provinz|hauptstadt|insel|bezirk|hafen|flughafen"
        r"|stadion|kontinent|gegend"
    ),
    Kind.DATE: r"date|day|year|month|datum|tag|jahr|monat",
    Kind.DOCUMENT: (
        r"decrees?|executive orders?|ordinances?|resolutions?|laws?|acts?|bills?|regulations?|directives?"
        r"|erlass(?:es|e)?|dekrete?s?|verordnung(?:en)?|gesetz(?:es|e)?|beschluss(?:es)?|beschlüsse"
        r"|resolution(?:en)?|richtlinien?|ukas(?:es)?"
    ),
}
_WHICH = (r"(?:which|what|welche[rsmn]?|was für(?: eine?[nmrs]?)?|какой|какая|какое|какие|каком|какую|какими|каких|каким"
          r"|какого|qué|cuál|cuáles)")

# Patterns in order: the first that matches decides.
_PATTERNS: list[tuple[Kind | None, re.Pattern]] = [
    (Kind.PERCENT, re.compile(
        r"\b(what (?:percentage|share|proportion)|how many percent|wie viel(?:e)? prozent|welchen anteil"
        r"|um wie viel prozent|сколько процентов|qué porcentaje|cuánto por ciento)\b|百分之几|多少百分比|ما نسبة|كم بالمئة",
        re.I)),
    (Kind.DURATION, re.compile(
        r"\b(how long|for how long|how much time|wie lange|für welche (?:laufzeit|dauer)|wie viel zeit|как долго|сколько (?:лет|времени)"
        r"|cuánto tiempo|durante cuánto|since when|seit wann)\b|多长时间|多久|كم من الوقت|منذ متى|كم (?:دام|دامت|استمر|استمرت)",
        re.I)),
    (Kind.MONEY, re.compile(
        r"\b(how much (?:money|did \w+ (?:pay|charge|earn|make|raise|sell|spend|cost)|does \w+ (?:pay|charge|earn|cost)"
        r"|will \w+ (?:pay|charge|earn|cost)|is \w+ worth)|how much (?:did|does|will|do)\b.*\b(?:pay|cost|charge|earn"
        r"|make|raise|spend|sell|worth|fine)|what (?:price|fee|salary|fine|amount of money|sum)"
        r"|wie viel geld|wie viel (?:hat|haben|soll|sollen|muss|müssen|kostet|kosten|bezahlt|zahlt|verdient)\b.*"
        r"(?:zahlen|bezahlen|kosten|verdienen|einnehmen|eingebracht|ausgeben|wert)|wie teuer|welche(?:n|r)? (?:preis|betrag|summe|gehalt|ablöse)"
        r"|сколько (?:стоит|стоил|денег|заплатил)|cuánto (?:dinero|cuesta|costó|pagó|cobra))\b", re.I)),
    (Kind.COUNT, re.compile(
        r"\b(how many|what number of|wie viele|wieviele|wie vielen|die wievielte|der wievielte"
        r"|das wievielte|сколько|cu[aá]nt[oa]s)\b|كم\s|多少|几", re.I)),
    (Kind.NUMBER, re.compile(
        r"\b(how (?:much|old|far|big|large|high|tall|heavy|bright|fast|long|small|deep|wide|thick|close|low)"
        r"|what (?:number|amount)|wie (?:viel|alt|weit|hoch|groß|schwer|hell|schnell|tief|breit|klein|lang)|wieviel"
        r"|um wie viel|cu[aá]nt[oa])\b", re.I)),
    (Kind.DATE, re.compile(
        r"\b(when|on what date|by what date|in (?:what|which) year|what year|what day|wann|an welchem (?:tag|datum)"
        r"|in welchem (?:jahr|monat)|bis wann|когда(?!-)|в каком году|cuándo|en qué (?:año|fecha))\b"
        r"|什么时候|何时|哪一?年|متى|في أي عام", re.I)),
    (Kind.PLACE, re.compile(
        r"\b(where|wo|wohin|woher|где|куда|откуда|dónde|adónde)\b|哪里|哪儿|在哪|أين", re.I)),
    # "what is it called" and "как называется" ask as often for a term as for a name: not here
    (Kind.NAME, re.compile(
        r"\b(what (?:is|was|are|were) the names? of|wie (?:heißt|hieß|heißen|hießen|lautet|lautete) (?:der|die|das) name"
        r"|wie (?:heißt|hieß|heißen|hießen)|как (?:зовут|звали)|cuál (?:es|era) el nombre)\b", re.I)),
    (Kind.PERSON, re.compile(
        r"\b(who|whom|whose|wer|wem|wen|wessen|mit wem|von wem|кто|кого|кому|кем|quién|quiénes|a quién)\b|谁|^\s*من\s", re.I)),
]
_WHICH_WORDS = re.compile(rf"\b{_WHICH}\s+(?P<words>(?:[\w-]+\s+){{0,3}}[\w-]+)", re.I)
_IN_WHICH = re.compile(rf"\b(?:in|at|from|to|aus|nach|bei|в|из|en|desde)\s+{_WHICH}\s+(?P<noun>\w+)", re.I)
_AUXILIARY = re.compile(r"(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should|may|might|must"
                        r"|ist|sind|war|waren|hat|haben|hatte|hatten|wird|werden|wurde|wurden|kann|können|soll|sollen"
                        r"|will|wollen|muss|müssen|darf)$", re.I)
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should|ist|sind|war|waren"
                     r"|hat|haben|hatte|wird|werden|kann|können)\b", re.I)


_NAMES = (Kind.PERSON, Kind.ORGANISATION, Kind.PLACE, Kind.NAME)
_CASED = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏͰ-ϿЀ-ӿ]")  # scripts that mark names with capitals: Latin, Greek, Cyrillic
_UNCASED_LANGUAGES = {"zh", "ja", "ko", "ar", "fa", "he", "ur", "hi", "th"}


@dataclass(frozen=True)
class Asked:
    kind: Kind | None
    noun: str = ""  # the class noun after "which" ("judge", "Hilfswerk"), when there is one
    preposition: str = ""  # before the question word ("um wie viel", "seit wann", "in which city")
    precision: str = ""  # of a date: "day", "month" or "year" when the question names it ("what date")
    age: bool = False  # the number asked for is an age ("how old")
    measure: str = ""  # what the number asked for measures: "length", "weight", "speed", "brightness"

    @property
    def names(self) -> bool:
        """Whether the answer is a name (of a person, organisation, place or thing)."""
        return self.kind in _NAMES

    def visible_in(self, sentence: str, language: str) -> bool:
        """Whether a phrase of the asked kind could be seen in ``sentence``: names only where
        capitals mark them (not in Chinese or Arabic); numbers and dates everywhere."""
        if not self.names:
            return True
        return base_language(language) not in _UNCASED_LANGUAGES and bool(_CASED.search(sentence))


# Nouns naming an amount of money; German compounds end in them ("Jahresgehalt", "Preisgeld").
_MONEY_NOUNS = re.compile(
    r"(?:money|salary|salaries|price|prices|cost|costs|fee|fees|fine|fines|revenue|revenues|sales|profit|profits"
    r"|loss|losses|damage|damages|prize|pay|wage|wages|budget|bonus|compensation|sum|funding|investment|valuation"
    r"|geld(?:er)?|gehalt|gehälter|preis(?:e|es)?|kosten|ablöse|schaden|schäden|umsatz|umsätze|gewinn(?:e)?|verlust(?:e)?"
    r"|summe|betrag|beträge|prämie|honorar|strafe|gage|miete|steuer|budget|etat|einnahmen|ausgaben|vermögen|lohn|löhne"
    r"|deal|zahlung(?:en)?)$", re.I)
# "how much money", "wie hoch ist das Jahresgehalt", "what is the yearly price", "what were Converse's sales"
_AMOUNT_OF = re.compile(
    r"\b(?:how much|how high (?:is|was|were|are) (?:the|its|his|her|their)|wie viel|wieviel|wie hoch (?:ist|war|sind|waren|ist)"
    r"(?: (?:der|die|das|sein|seine|ihr|ihre))?|what (?:was|is|were|are)(?: (?:the|its|his|her|their))?)"
    r"\s+(?P<words>(?:[\w'’-]+\s+){0,2}[\w-]+)", re.I)


def _class_of(noun: str) -> Kind | None:
    for kind, nouns in _CLASS_NOUNS.items():
        if re.fullmatch(rf"(?:{nouns})(?:e?s|e|en|n)?", noun, re.I):
            return kind
    return None


_PREPOSITION = re.compile(
    r"\b(um|seit|bis|ab|in|im|an|am|aus|nach|von|vor|by|since|until|till|in|at|on|from|for|до|с|в|на|desde|hasta|en|por)\s+"
    r"(?:wie|wann|welche\w*|was|which|what|when|how|когда|какой|какого|каком|cuándo|qué|cuál)\b", re.I)


# "what date", "an welchem Tag", "in which year", "哪一年": how precise a date the question wants
_DATE_PRECISION = re.compile(
    rf"\b{_WHICH}\s+(?:[\w-]+\s+)?(?P<unit>date|day|month|year|datum|tag|monat|jahr|дата|день|дату|месяц|год[ау]?"
    rf"|fecha|día|mes|año)\b|(?P<cjk_year>哪一?年)|(?P<cjk_day>哪一?天|几月几[日号]|几号)", re.I)
_PRECISION = {"date": "day", "day": "day", "datum": "day", "tag": "day", "дата": "day", "дату": "day", "день": "day",
              "fecha": "day", "día": "day", "month": "month", "monat": "month", "месяц": "month", "mes": "month"}
# Questions answered by a length, weight or speed ("how big" and "how high" also ask for amounts)
# What a number asked for measures: "how far" a length, "wie schwer" a weight, "how bright" brightness
_MEASURE = re.compile(
    r"\b(?:(?P<length>how (?:far|tall|deep|wide|small|thick|close)|wie (?:weit|tief|breit|klein)"
    r"|what (?:distance|height)|на каком расстоянии|какой (?:высоты|длины|глубины)|qué (?:altura|distancia|tamaño))"
    r"|(?P<weight>how heavy|wie schwer|what weight|qué peso)|(?P<speed>how fast|wie schnell|what speed)"
    r"|(?P<brightness>how bright|wie hell))\b", re.I)
_AGE = re.compile(r"\b(?:how old|wie alt|at what age|in welchem alter|сколько лет (?:было )?(?:ему|ей)|сколько лет было"
                  r"|qué edad|cuántos años (?:tenía|tiene|tendrá|cumplió))\b"
                  r"|多大年纪|几岁|كم عمر", re.I)


def asked_in(question: str) -> Asked:
    """The kind of thing ``question`` asks for (None when its wording does not say)."""
    found = _read(question)
    if found.kind is None:
        return found
    preposition = _PREPOSITION.search(question)
    precision = ""
    if found.kind is Kind.DATE:
        unit = _DATE_PRECISION.search(question)
        if unit:  # a named unit not in _PRECISION is a year ("jahr", "год", "哪一年")
            precision = "day" if unit["cjk_day"] else _PRECISION.get((unit["unit"] or "").lower(), "year")
    return Asked(found.kind, found.noun, preposition.group(1).lower() if preposition else "", precision,
                 bool(_AGE.search(question)), _measure(question))


def _measure(question: str) -> str:
    found = _MEASURE.search(question)
    return next(name for name, text in found.groupdict().items() if text) if found else ""


# Question words that open a question asking for no kind of thing: what (as an object), why
_UNTYPED = re.compile(r"^\W*(?:что|почему|зачем|warum|weshalb|wieso|why|por qué|para qué|为什么|لماذا)(?!\w)", re.I)
_SUBORDINATE = re.compile(r"^\s*(?:when|if|while|after|before|as|since|once|although|wenn|als|nachdem|bevor|während|obwohl"
                          r"|falls|sobald)\b[^,?]*,\s*(?=\S)", re.I)


def _first(pattern: re.Pattern, text: str) -> re.Match | None:
    """The first match that is a question word, not a name ("Doctor Who"): lower-case, or at the
    start of the question or of a clause."""
    for match in pattern.finditer(text):
        before = text[: match.start()].strip(" ¿¡«\"“„(")
        if not match.group(0)[:1].isupper() or not before or before[-1:] in ",;:":
            return match
    return None


def _read(question: str) -> Asked:
    if _YES_NO.match(question) and not re.search(r"\b(who|what|which|when|where|how|wer|was|welche\w*|wann|wo|wie)\b",
                                                 question.split(",")[0], re.I):
        return Asked(None)
    main = _SUBORDINATE.sub("", question)  # "When many are arrested, what is ...": the main clause asks
    found: list[tuple[int, Asked]] = []  # (position, what it asks): the first question word decides
    if _UNTYPED.match(main):  # "Что делает Доктор, когда ...": "когда" opens a clause, it asks nothing
        found.append((0, Asked(None)))
    for preposition in _IN_WHICH.finditer(main):  # "in which city", "aus welchem Land"
        kind = _class_of(preposition["noun"])
        if kind is not None:
            found.append((preposition.start(), Asked(kind, preposition["noun"])))
            break
    money = _AMOUNT_OF.search(main)
    if money and any(_MONEY_NOUNS.search(word) for word in money["words"].split()):
        found.append((money.start(), Asked(Kind.MONEY)))
    for kind, pattern in _PATTERNS:
        match = _first(pattern, main)
        if match:
            found.append((match.start(), Asked(kind)))
    which = _which(main)
    if which is not None:
        found.append(which)
    return min(found, key=lambda item: item[0])[1] if found else Asked(None)


def _which(question: str) -> tuple[int, Asked] | None:
    """"which judge", "welches Hilfswerk", "which German aid agency": the class noun after "which"."""
    for which in _WHICH_WORDS.finditer(question):
        words = which["words"].split()
        if _AUXILIARY.match(words[0]):
            return which.start(), Asked(None)  # "what could X supply": "what" is the object itself, untyped
        document = re.search(rf"\b({_CLASS_NOUNS[Kind.DOCUMENT]})\b", which["words"], re.I)
        if document:
            return which.start(), Asked(Kind.DOCUMENT, document.group(0))
        for word in words:
            kind = _class_of(word)
            if kind is not None:
                return which.start(), Asked(kind, word)
        if re.match(r"which\b", which.group(0), re.I) or words[0][0].isupper():
            return which.start(), Asked(Kind.NAME, words[0])  # "which disease", "welche Blutgruppe": a named thing
        return which.start(), Asked(None)  # "what" and a noun of no known class: the first question word is this one
    return None
