"""The entity a multi-report question asks for, read off the reports retrieved for it.

"Who is the individual ... as reported by both The Verge and TechCrunch, and is accused ...?"
describes someone through facts from several articles; the answer is the name those articles
have in common. Candidates are runs of capitalised words in the top passages that the question
does not already contain; each scores by the articles that mention it (a later mention of the
surname alone counts for "Sam Bankman-Fried"), the better-ranked articles counting more. On
MultiHop-RAG dev inference questions the top candidate is the gold answer for 0.71 of them
(docs/experiments.md). Its rules read English question words, so it applies to English questions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.text.analysis import tokenize
from app.types import Hit

# A name: capitalised words, with "of", "de", "&", ... between them.
_CANDIDATE = re.compile(r"\b[A-Z][\w'’&.-]*(?:[^\S\n]+(?:(?:of|the|de|&|for)[^\S\n]+)?[A-Z][\w'’&.-]*)*")
# Capitalised only because they open a sentence or stand before a name.
_LEADING = re.compile(
    r"^(?:(?:The|A|An|In|On|At|But|And|As|For|This|That|It|He|She|They|We|I|If|When|While|After|Before"
    r"|With|From|By|To|Moreover|However|Meanwhile|Also|So|Yet|Still|Now|Then|Here|There|Its|His|Her"
    r"|Their|Our|Last|Next|Mr|Ms|Mrs|Dr)\.?\s+)+")
_ASKS_FOR_ENTITY = re.compile(r"\b(who|whom|which|what)\b", re.IGNORECASE)
_YES_NO = re.compile(r"^\s*(did|does|do|is|was|were|are|has|have|had|can|could|would|will|should)\b", re.IGNORECASE)
_PERSON = re.compile(r"\b(who|individual|person|whose|player|artist|ceo|founder|executive|athlete|singer"
                     r"|quarterback|coach|actor|actress)\b", re.IGNORECASE)
# Every top passage naming a candidate adds 1 / (1 + 0.15 r) at rank r: counting each article only at
# its first passage did worse once the parts' passages fill the top 10 (docs/experiments.md).
RANK_DECAY = 0.15
PERSON_BONUS = 1.3  # a "who" question prefers full names ("Sam Bankman-Fried" over "FTX")
MIN_ARTICLES = 2  # a bridge links reports: a name in one article alone is not one
READ = 10  # top passages read


LONG_QUESTION = 25  # words: a question this long describes its answer through several reports


def applies(question: str, named_outlets: list) -> bool:
    """A question asking for a name ("who", "which company") about several reports: it names
    stored outlets, or it is long (outlets are often named in ways the outlet rules do not
    catch: "discussed on TechCrunch", "according to Sporting News")."""
    asks = bool(_ASKS_FOR_ENTITY.search(question)) and not _YES_NO.match(question)
    return asks and (bool(named_outlets) or len(question.split()) >= LONG_QUESTION)


def _candidates(text: str):
    for match in _CANDIDATE.finditer(text):
        name = _LEADING.sub("", match.group(0).strip(" .'’-"))
        name = re.sub(r"[’']s$", "", name).strip(" .")
        if name and name[0].isupper() and tokenize(name):
            yield name


def bridge_entity(question: str, hits: list[Hit]) -> str | None:
    """The name the top passages' articles have in common that the question does not contain."""
    lowered, asked = question.lower(), set(tokenize(question))
    passages = [(hit.article_id, hit.text) for hit in hits[:READ]]
    names = {name for _, text in passages for name in _candidates(text)}
    names = {n for n in names if n.lower() not in lowered and not set(tokenize(n)) <= asked}
    person = bool(_PERSON.search(question))
    best, best_key = None, (0.0, 0, 0)
    for name in names:
        pattern = _pattern(name, in_full=False)
        articles: set[str] = set()
        in_full: set[str] = set()
        score = 0.0
        for rank, (article, text) in enumerate(passages):
            if pattern.search(text):
                articles.add(article)
                score += 1.0 / (1.0 + RANK_DECAY * rank)
            if name in text:
                in_full.add(article)
        if len(articles) < MIN_ARTICLES:
            continue
        score *= PERSON_BONUS if person and len(name.split()) > 1 else 1.0
        key = (score, len(in_full), len(name))  # ties: the name more articles spell out in full
        if key > best_key:
            best, best_key = name, key
    return best


@lru_cache(maxsize=256)
def _pattern(name: str, in_full: bool) -> re.Pattern:
    """The name in full, or (unless ``in_full``) also the last word of a multi-word name."""
    words = name.split()
    forms = [name] + ([words[-1]] if len(words) > 1 and len(words[-1]) > 3 and not in_full else [])
    return re.compile(r"\b(?:" + "|".join(map(re.escape, forms)) + r")\b")


def mention(name: str, sentence: str, in_full: bool = False) -> tuple[int, int] | None:
    """Where the sentence names it: in full, or (unless ``in_full``) by the last word of a
    multi-word name."""
    found = _pattern(name, in_full).search(sentence)
    return found.span() if found else None
