"""Follow-up questions: "And who signed it?" is searched as what it means in the conversation.

With an LLM, the condense prompt rewrites the question into a standalone one. Without one (or when
the rewrite is unusable), a question that leans on the previous turn (it opens with "and", or
points back with a pronoun: "it", "they", "dort") is searched together with the previous question.
"""

from __future__ import annotations

import logging
import re

from app.answering.prompts import render

log = logging.getLogger(__name__)

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


def standalone(question: str, history, model=None) -> tuple[str, str]:
    """The text to search for (the question itself, or its meaning in the conversation), and a
    note for the answer when the model failed to rewrite it ("" otherwise)."""
    asked = user_turns(history)
    if not asked:
        return question, ""
    note = ""
    if model is not None:
        prompt = render("condense", history="\n".join(f"User: {q}" for q in asked[-HISTORY_TURNS:]),
                        question=question)
        try:
            rewritten = _condense(model, prompt)
        except Exception as err:  # a failing model must not lose the question: the rule takes over
            log.warning("the model could not rewrite the follow-up question: %r", err)
            rewritten = None
            note = (f"The language model could not rewrite the follow-up question ({type(err).__name__}: "
                    f"{err}); it was searched by the follow-up rule instead.")
        if rewritten:
            return rewritten, ""
    return (f"{asked[-1]} {question}" if leans_on_previous(question) else question), note


def _condense(model, prompt: str) -> str | None:
    reply = model.invoke(prompt).content
    lines = [ln.strip() for ln in str(reply).splitlines() if ln.strip()]
    rewritten = lines[0].strip(' "“”') if lines else ""
    return rewritten if 3 <= len(rewritten) <= 400 else None
