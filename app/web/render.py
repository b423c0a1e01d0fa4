"""HTML for the web chat: answers with clickable citation markers, and the sources panel.

Every piece of stored or generated text goes through ``esc`` before it meets markup, so an
article carrying ``<script>`` or ``<img onerror=...>`` is shown as the characters it contains.
The only markup is what this module writes around that text.
"""

from __future__ import annotations

import re

from app.answering.sources import InContext
from app.types import Answer, Citation

# HTML's own specials, and the characters Markdown would act on, as numeric entities (one pass,
# so entities are never escaped twice)
_INERT = {ch: f"&#{ord(ch)};" for ch in "&<>\"'[]*_`#~|$\\"}
_MARKER = re.compile(r"\[(\d+)\]")
RTL_LANGUAGES = {"ar", "fa", "he", "ur", "yi", "ps", "dv", "ckb"}  # written right to left

# Runs once in the page: a click on a marker highlights its source card (and opens the turn it
# belongs to) instead of following the link.
CLICK_JS = """
() => {
  document.addEventListener('click', (event) => {
    const ref = event.target.closest('a.cite-ref');
    if (!ref) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById((ref.getAttribute('href') || '').replace(/^#/, ''));
    if (!card) return;
    document.querySelectorAll('.src-card.active').forEach((c) => c.classList.remove('active'));
    const turn = card.closest('details');
    if (turn) turn.open = true;
    card.classList.add('active');
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
"""

CSS = """
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
            margin: 8px 0; }
.src-card.active { border: 2px solid #d97706; box-shadow: 0 0 0 3px rgba(217, 119, 6, .25); }
.src-card.closest { border-style: dashed; opacity: .85; }
.src-head { font-weight: 600; }
.src-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: 2px 0 6px; }
.src-par { margin: 0; line-height: 1.5; }
.src-card mark.cited { background: #fde68a; color: inherit; padding: 0 2px; }
.src-card.active mark.cited { background: #fbbf24; }
.src-card .answer-span { text-decoration: underline; text-decoration-thickness: 2px; }
.not-answer { font-size: .8em; text-transform: uppercase; color: #b91c1c; font-weight: 600; }
.short-answer { font-weight: 600; margin-bottom: 6px; }
.abstained { font-style: italic; border-left: 4px solid #b91c1c; padding-left: 8px; }
a.cite-ref { font-weight: 600; text-decoration: none; cursor: pointer; }
.time-range { font-size: .9em; margin-bottom: 6px; }
/* each paragraph of a chat message takes the direction of its first strong letter (Arabic right to left) */
#chat .message p, #chat .message div, #question textarea { unicode-bidi: plaintext; text-align: start; }
"""


def esc(text: str | None) -> str:
    """Text as inert HTML that Markdown leaves alone too."""
    return "".join(_INERT.get(ch, ch) for ch in text or "")


def _card_id(turn: int, n: int, closest: bool = False) -> str:
    return f"src-{turn}-{'c' if closest else ''}{n}"


def answer_html(result: Answer, turn: int) -> str:
    """The answer text with each valid [n] turned into a marker that opens source n."""
    if result.abstained:
        return f'<div class="abstained" dir="auto">{esc(result.answer)}</div>'
    valid = {c.n for c in result.citations}
    paragraphs = []
    for k, paragraph in enumerate(result.answer.split("\n\n")):
        parts, cursor = [], 0
        for found in _MARKER.finditer(paragraph):
            n = int(found.group(1))
            if n not in valid:
                continue
            parts.append(esc(paragraph[cursor:found.start()]))
            parts.append(f'<a class="cite-ref" href="#{_card_id(turn, n)}">&#91;{n}&#93;</a>')
            cursor = found.end()
        parts.append(esc(paragraph[cursor:]))
        # the short answer, when there is one, opens the answer on a line of its own
        css = "short-answer" if k == 0 and result.short else "answer-text"
        paragraphs.append(f'<div class="{css}">{"".join(parts)}</div>')
    return f'<div class="answer" dir="auto">{"".join(paragraphs)}</div>'


def direction(language: str) -> str:
    """The ``dir`` of a text in ``language``: "rtl" for Arabic, Hebrew, Persian, ...; else "auto"."""
    return "rtl" if (language or "").lower().split("-")[0] in RTL_LANGUAGES else "auto"


def _sentence_html(c: Citation, sentence: str) -> str:
    if c.span and 0 <= c.span[0] < c.span[1] <= len(sentence):
        a, b = c.span
        return f'{esc(sentence[:a])}<strong class="answer-span">{esc(sentence[a:b])}</strong>{esc(sentence[b:])}'
    return esc(sentence)


def _link(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return ""  # javascript:, data: and relative links are never made clickable
    return f' · <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">open article</a>'


def source_card(item: InContext, turn: int, closest: bool = False) -> str:
    c = item.citation
    meta = " · ".join(esc(x) for x in (c.source, c.published[:10], c.page_label, c.language) if x)
    label = '<span class="not-answer">does not answer</span> ' if closest else f"&#91;{c.n}&#93; "
    also = f'<br><span class="also">Also reported by {esc(", ".join(c.also_reported_by))}</span>' \
        if c.also_reported_by else ""
    return (
        f'<div class="src-card{" closest" if closest else ""}" id="{_card_id(turn, c.n, closest)}">'
        f'<div class="src-head">{label}<span dir="{direction(c.language)}">{esc(c.title) or "(untitled)"}</span></div>'
        f'<div class="src-meta">{meta}{_link(c.url)}{also}</div>'
        f'<p class="src-par" lang="{esc(c.language)}" dir="{direction(c.language)}">{esc(item.before)}'
        f'<mark class="cited">{_sentence_html(c, item.sentence)}</mark>{esc(item.after)}</p></div>'
    )


def time_range_text(time_range: dict | None) -> str:
    if not time_range:
        return ""
    span = f"{time_range.get('since', '…')} – {time_range.get('until', '…')}"
    how = "searched only" if time_range["applied"] else "not applied to"
    return f"Time read from the question: “{time_range['text']}” → {how} {span}"


def turn_html(result: Answer, shown: list[InContext], turn: int) -> str:
    """The sources of one answer: its cited sentences in context, or the closest ones."""
    head = esc(result.question)
    if result.abstained:
        body = "<p><em>No stored sentence answers this. Closest found:</em></p>" if shown else \
            "<p><em>Nothing close was found.</em></p>"
        body += "".join(source_card(item, turn, closest=True) for item in shown)
    else:
        body = "".join(source_card(item, turn) for item in shown)
    when = time_range_text(result.time_range)
    if when:
        body = f'<div class="time-range">{esc(when)}</div>' + body
    return f'<div class="turn" data-turn="{turn}"><div class="src-head">Q: <bdi>{head}</bdi></div>{body}</div>'


def sources_panel(turns: list[str]) -> str:
    """Newest turn open, earlier ones folded (their markers still open them)."""
    if not turns:
        return "<p><em>Sources of each answer appear here; click a marker such as &#91;1&#93;.</em></p>"
    newest, *older = reversed(turns)
    folded = "".join(f"<details><summary>Earlier answer {len(turns) - 1 - i}</summary>{t}</details>"
                     for i, t in enumerate(older))
    return newest + folded
