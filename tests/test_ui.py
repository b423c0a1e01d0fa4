"""The web chat, launched for real and driven through gradio_client."""

import socket

import pytest

from app.config import load_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chat(seed_store):
    from app.ui import build

    settings = load_settings(store=seed_store, port=free_port())
    demo = build(settings)
    demo.queue(default_concurrency_limit=2, max_size=16).launch(
        server_name="127.0.0.1", server_port=settings.port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{settings.port}/"
    demo.close()


def test_chat_answers_with_escaped_sources(chat):
    from gradio_client import Client

    client = Client(chat, verbose=False)
    reply = client.predict("Where did the high-level UN conference take place?", api_name="/chat")
    assert "In Hanoi fand eine hochrangige UN-Konferenz statt." in reply
    assert "**Sources**" in reply and "BelTA" in reply and "2025-10-26" in reply
    assert "&#91;1&#93;" in reply  # markers escaped: text is never markup


def test_chat_abstains_visibly(chat):
    from gradio_client import Client

    reply = Client(chat, verbose=False).predict("Which football club won the German cup in 2025?", api_name="/chat")
    assert "do not answer" in reply and "Closest sentences" in reply


def test_binds_to_loopback_by_default():
    assert load_settings().host == "127.0.0.1"


def test_sources_render_stored_markup_inert():
    from app.types import Citation
    from app.ui import render_sources

    evil = Citation(n=1, sentence='<img src=x onerror="alert(1)"> <script>x()</script>', sentence_id="s",
                    article_id="a", title="<b>t</b>", source="S", url="javascript:alert(1)", published="",
                    language="en", score=1.0)
    out = render_sources([evil], abstained=False)
    assert "<img" not in out and "<script" not in out and "<b>" not in out
    assert "javascript:" not in out  # only http(s) links become links
