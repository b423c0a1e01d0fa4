"""The parts of a multi-part question, each worth a search of its own.

MultiHop-RAG questions describe their answer through several reports at once ("Which company,
known for its dominance in the e-reader space, faced a stock decline reported by The Sydney
Morning Herald and discussed by sellers in a CNBC article?"). One search for the whole question
finds the report its strongest words point to; a search per clause finds the others. A clause
that names an outlet or a single day is searched among that outlet's or that day's reports.
"""

from __future__ import annotations

import re

# Clauses end at commas (with the conjunction after them; not the one before a year), semicolons, and at " and", " while",
# " but" before a word that opens a new statement ("..., and the Sporting News article suggests").
_BREAK = re.compile(
    r",(?!\s*\d{4}\b)\s*(?:and|while|whereas|but|or)?\s*|;\s*"
    r"|\s+(?:and|while|whereas|but)\s+(?=(?:the|a|an|does|did|is|was|has|had|do|are|were|what|which|"
    r"who|its|his|her|their|it|he|she|they|also)\b)",
    re.IGNORECASE,
)
MIN_WORDS = 6  # a shorter piece joins the clause before it (measured on MultiHop dev: 4 and 3 did no better)


def clauses(question: str) -> list[str]:
    """The question's clauses, in order, when it has at least two; else an empty list."""
    pieces = [p.strip(" ?.!") for p in _BREAK.split(question)]
    found: list[str] = []
    for piece in filter(None, pieces):
        if found and len(piece.split()) < MIN_WORDS:
            found[-1] = f"{found[-1]} {piece}"
        else:
            found.append(piece)
    if len(found) > 1 and len(found[0].split()) < MIN_WORDS:
        found[:2] = [f"{found[0]} {found[1]}"]
    return found if len(found) > 1 else []
