"""Minimal web chat (Gradio): streams the answer and lists its cited sentences.

All logic lives in ``stream_answer``; this module only turns its events into chat messages.
Article text and answers are escaped, so nothing stored is ever rendered as HTML.
"""

from __future__ import annotations

import html

from app.config import Settings, go_offline
from app.engine import open_store, stream_answer
from app.errors import NewsQAError
from app.types import Citation

EXAMPLES_MAX = 3


def _esc(text: str) -> str:
    return html.escape(text or "", quote=True).replace("[", "&#91;").replace("]", "&#93;").replace("*", "&#42;")


def render_sources(citations: list[Citation], abstained: bool) -> str:
    if not citations:
        return ""
    head = "**Closest sentences found (they do not answer the question):**" if abstained else "**Sources**"
    lines = [head]
    for c in citations:
        label = "–" if abstained else f"&#91;{c.n}&#93;"
        meta = " · ".join(_esc(x) for x in (c.source, c.published[:10], c.language) if x)
        link = f" · <a href=\"{_esc(c.url)}\" target=\"_blank\" rel=\"noopener\">link</a>" if c.url.startswith(("http://", "https://")) else ""
        lines.append(f"{label} “{_esc(c.sentence)}”<br><small>{_esc(c.title)} — {meta}{link}</small>")
    return "\n\n".join(lines)


def respond(message: str, history, settings: Settings):
    """Gradio generator: partial answer text while streaming, then answer plus sources."""
    text = ""
    try:
        for event in stream_answer(message, settings=settings):
            if event["type"] == "token":
                text += event["text"]
                yield _esc(text)
            elif event["type"] == "answer":
                result = event["answer"]
                shown = result.closest if result.abstained else result.citations
                body = f"_{_esc(result.answer)}_" if result.abstained else _esc(result.answer)
                yield body + "\n\n" + render_sources(shown, result.abstained)
    except (NewsQAError, ValueError) as err:
        yield f"⚠️ {_esc(str(err))}"


def build(settings: Settings):
    import gradio as gr

    store = open_store(settings)
    stats = store.stats()
    examples = [
        "Which decree authorised the signing?",
        "Where did the high-level UN conference take place?",
        "Who led the delegation to Vietnam?",
    ][:EXAMPLES_MAX]
    with gr.Blocks(title="newsqa") as demo:
        gr.Markdown(
            f"### newsqa — ask the news\n{stats['articles']} articles from "
            f"{len(stats['sources'])} sources in `{_esc(stats['store'])}`. Every answer cites stored sentences verbatim."
        )
        def chat(message, history):
            yield from respond(message, history, settings)

        gr.ChatInterface(
            fn=chat,
            examples=examples if stats["articles"] else None,
            cache_examples=False,
        )
    return demo


def launch(settings: Settings) -> None:
    go_offline()
    demo = build(settings)
    demo.queue(default_concurrency_limit=2, max_size=64).launch(
        server_name=settings.host, server_port=settings.port, show_error=False, share=False
    )
