"""Follow-up questions: "And who signed it?" is searched as what it means in the conversation.

With an LLM, the condense prompt rewrites the question into a standalone one. Without one (or when
the rewrite is unusable), a question that leans on the previous turn (it opens with "and", or
points back with a pronoun: "it", "they", "dort") is searched together with the previous question.
"""

from __future__ import annotations

import re

from app.prompts import render

_OPENS_ON_PREVIOUS = re.compile(
    r"^\s*(and|but|also|so|what about|how about|und|aber|auch|was ist mit|wie steht es mit)\b", re.IGNORECASE)
# words that point back into the conversation ("that", "there" also open standalone questions)
_PRONOUNS = frozenset(
    "it its they them their theirs he him his she her hers these those "
    "es sie er ihn ihm ihr ihre ihren dies diese dieser dieses dort damals damit davon dazu".split())
HISTORY_TURNS = 3  # earlier questions shown to the condense prompt


def user_turns(history) -> list[str]:
    """Earlier questions from any common history shape: strings, (question, answer) pairs,
    {"role", "content"} messages, or ``Answer`` objects."""
    asked = []
    for turn in history or []:
        if isinstance(turn, str):
            asked.append(turn)
        elif isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                asked.append(turn["content"])
        elif isinstance(turn, (tuple, list)) and turn:
            asked.append(str(turn[0]))
        elif hasattr(turn, "question"):
            asked.append(turn.question)
    return [q.strip() for q in asked if q and q.strip()]


def leans_on_previous(question: str) -> bool:
    if _OPENS_ON_PREVIOUS.search(question):
        return True
    return bool(set(re.findall(r"\w+", question.lower())) & _PRONOUNS)


def standalone(question: str, history, model=None) -> str:
    """The text to search for: the question itself, or its meaning in the conversation."""
    asked = user_turns(history)
    if not asked:
        return question
    if model is not None:
        rewritten = _condense(model, question, asked)
        if rewritten:
            return rewritten
    return f"{asked[-1]} {question}" if leans_on_previous(question) else question


def _condense(model, question: str, asked: list[str]) -> str | None:
    shown = "\n".join(f"User: {q}" for q in asked[-HISTORY_TURNS:])
    try:
        reply = model.invoke(render("condense", history=shown, question=question)).content
    except Exception:  # a failing model must not lose the question: fall back to the rule
        return None
    lines = [ln.strip() for ln in str(reply).splitlines() if ln.strip()]
    rewritten = lines[0].strip(' "“”') if lines else ""
    return rewritten if 3 <= len(rewritten) <= 400 else None
