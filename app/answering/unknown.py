"""Sentences that say a fact is not known: "Die Höhe des Sachschadens ist noch nicht bekannt",
"the terms were not disclosed". When such a sentence is what a question finds, the reports do not
say, and the answer cites that sentence as the reason (English, German, Russian, Spanish, Chinese,
Arabic)."""

from __future__ import annotations

import re

_UNKNOWN = re.compile(
    r"\b(?:(?:is|are|was|were|remains?|remained|has not been|have not been|had not been)\s+(?:still\s+|not\s+yet\s+|yet\s+)?"
    r"(?:unknown|unclear|not (?:yet )?(?:known|clear|disclosed|confirmed|determined|announced|released|revealed)|undisclosed)"
    r"|(?:did|do|does|would|could) not (?:disclose|say|reveal|specify|confirm|comment)|declined to (?:disclose|say|reveal|comment|specify)"
    r"|(?:terms|details|amount|price|cause) (?:was|were|is|are) not (?:disclosed|given|released|known)|remains to be seen|no details"
    r"|(?:ist|sind|war|waren|bleibt|blieb|bleiben)\s+(?:\w+\s+){0,3}?(?:noch\s+|weiter\s+|vorerst\s+|derzeit\s+|bisher\s+)*"
    r"(?:unklar|unbekannt|ungewiss|ungeklärt|nicht (?:bekannt|klar|geklärt|bestätigt)|nicht abschließend geklärt)"
    r"|(?:unklar|unbekannt|ungewiss|ungeklärt|nicht bekannt|nicht klar)\s+(?:ist|war|sind|waren|bleibt|blieb|bleiben)\b"
    r"|(?:noch|weiter)\s+(?:völlig\s+)?offen\b"
    r"|(?:wurde|wurden)\s+(?:\w+\s+){0,2}?nicht\s+(?:bekannt(?:gegeben)?|genannt|mitgeteilt|veröffentlicht|beziffert)"
    r"|keine (?:Angaben|Informationen|Details)|(?:liegt|lag|liegen)\s+(?:\w+\s+){0,2}?noch\s+(?:kein|keine)\b"
    r"|steht (?:noch )?nicht fest|ist noch offen"
    r"|неизвестн\w*|не (?:раскрыва|сообща|уточня|называ|разглаша)\w*|пока не ясно|не ясно"
    r"|se desconoce|no (?:se )?(?:ha|han)\s+(?:revelado|informado|precisado|confirmado|divulgado)|no está claro|no se sabe"
    r")",
    re.IGNORECASE,
)
_UNKNOWN_UNCASED = re.compile(r"尚不清楚|目前还不清楚|仍不清楚|未透露|未公布|尚未公布|不详|尚不明确|لم يتضح|غير معروف|غير واضح|لم يكشف|لم تكشف|لم يعلن|لم تعلن")


def says_unknown(sentence: str) -> bool:
    """Whether ``sentence`` says that something is not known or was not disclosed."""
    return bool(_UNKNOWN.search(sentence) or _UNKNOWN_UNCASED.search(sentence))
