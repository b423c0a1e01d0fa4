"""The web chat, launched for real (the same ``launch`` as ``newsqa serve``) and driven through
gradio_client and plain HTTP."""

import socket
from pathlib import Path

import httpx
import pytest
from conftest import DECREE

from app.config import load_settings

HOSTILE = """---
title: <script>alert('t')</script>Hostile page
source: Evil Daily
published: 2025-11-20
language: en
url: javascript:alert(1)
---
The harbour authority in Kiel <img src=x onerror="alert(1)"> reported 42 stranded ferries on Friday.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(store, **overrides):
    from app.web.chat import launch

    settings = load_settings(store=store, port=free_port(), **overrides)
    return launch(settings, block=False), f"http://127.0.0.1:{settings.port}/"


@pytest.fixture(scope="module")
def chat(seed_store):
    demo, url = serve(seed_store)
    yield url
    demo.close()


def client(url, **kw):
    from gradio_client import Client

    return Client(url, verbose=False, **kw)


def ask(url, question, session=None, history=(), **filters):
    history, panel, box = (session or client(url)).predict(
        question, list(history), filters.get("since", ""), filters.get("until", ""), filters.get("source", []),
        filters.get("language", []), 3, "extractive", api_name="/ask")
    reply = history[-1]["content"][0]["text"] if isinstance(history[-1]["content"], list) else history[-1]["content"]
    return reply, panel, box


ANSWER = '<div class="answer" dir="auto">'  # an answer's text, its direction that of its first letter


def is_decree_answer(reply: str) -> bool:
    """The decree question's answer: the short answer on its own line, then the decree sentence."""
    short = '<div class="short-answer">Erlass des belarussischen Präsidenten Nr. 326 <a class="cite-ref"'
    return reply.startswith(ANSWER + short) and f'<div class="answer-text">{DECREE}' in reply


def test_decree_answer_has_clickable_marker_and_source_in_context(chat):
    reply, panel, box = ask(chat, "Which decree authorised the signing?")
    assert is_decree_answer(reply) and '<a class="cite-ref" href="#src-1-1">' in reply
    assert 'id="src-1-1"' in panel and "<mark class=\"cited\">Auf <strong class=\"answer-span\">" in panel
    assert "BelTA · 2025-10-26 · de" in panel and "Die Republik Belarus" in panel  # outlet, date, language, title
    assert box == ""  # the question box is cleared


def test_follow_up_in_one_session_is_searched_with_the_previous_question(chat):
    session = client(chat)
    ask(chat, "Which decree authorised the signing?", session=session)
    reply, panel, _ = ask(chat, "And who signed it?", session=session)
    assert is_decree_answer(reply)
    fresh, _, _ = ask(chat, "And who signed it?")  # another session has no earlier question
    assert not is_decree_answer(fresh)


def test_json_api_returns_citation_metadata(chat):
    result = client(chat).predict("Which decree authorised the signing?", api_name="/answer")
    first = result["citations"][0]
    assert first["sentence"] == DECREE
    assert (first["source"], first["published"], first["language"]) == ("BelTA", "2025-10-26", "de")
    assert first["span"] and DECREE[first["span"][0]:first["span"][1]].endswith("Nr. 326")


def test_chat_abstains_visibly_with_closest_sentences(chat):
    reply, panel, _ = ask(chat, "Which football club won the German cup in 2025?")
    assert 'class="abstained"' in reply and "cite-ref" not in reply
    assert "does not answer" in panel and "src-card closest" in panel


def test_filters_from_the_side_panel_apply(chat):
    reply, _, _ = ask(chat, "Where did the conference take place?", since="2025-11-01")
    assert "abstained" in reply or "Nothing" in reply or "no stored" in reply.lower()
    reply, _, _ = ask(chat, "Where did the conference take place?", source=["BelTA"])
    assert "Hanoi" in reply
    reply, _, _ = ask(chat, "Where did the conference take place?", since="yesterday")
    assert "⚠️" in reply and "YYYY-MM-DD" in reply  # a clear message, not a crash


@pytest.mark.parametrize("path", [
    "gradio_api/file={store}/chroma.sqlite3",
    "gradio_api/file=../../../../../../..{store}/chroma.sqlite3",
    "gradio_api/file=%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e{store_enc}%2fchroma.sqlite3",
    "gradio_api/file=../store/chroma.sqlite3",
    "gradio_api/file=/etc/passwd",
    "gradio_api/file={root}/pyproject.toml",
    "file={store}/chroma.sqlite3",
])
def test_file_routes_refuse_the_store_and_outside_paths(chat, seed_store, path):
    store = str(Path(seed_store).resolve())
    url = chat + path.format(store=store, store_enc=store.replace("/", "%2f"),
                             root=str(Path(__file__).resolve().parents[1]))
    response = httpx.get(url)
    assert response.status_code in (403, 404), (url, response.status_code)
    assert b"SQLite format" not in response.content and b"root:" not in response.content


def test_library_adds_hostile_upload_inert_and_removes_it(tmp_path):
    page = tmp_path / "hostile.md"
    page.write_text(HOSTILE, "utf-8")
    wrong = tmp_path / "notes.exe"
    wrong.write_bytes(b"MZ")
    demo, url = serve(tmp_path / "store")
    try:
        from gradio_client import handle_file

        with pytest.raises(Exception, match="Invalid file type"):  # refused by the server, not the page
            client(url).predict([handle_file(str(wrong))], api_name="/add_articles")
        rows, summary, table, *_ = client(url).predict([handle_file(str(page))], api_name="/add_articles")
        assert [r[0] for r in rows["data"]] == ["hostile.md"] and rows["data"][0][1].startswith("added 1")
        assert "**1 articles**" in summary and "Evil Daily" in summary
        reply, panel, _ = ask(url, "How many ferries were stranded in Kiel?")
        assert "42 stranded ferries" in reply
        for text in (reply, panel):
            assert "<img" not in text and "<script" not in text and "javascript:" not in text
        assert "&#60;img src=x onerror=" in panel  # shown as the characters it contains
        article_id = table["data"][0][ARTICLE_ID_COLUMN]
        note, summary, *_ = client(url).predict(article_id + "\nno-such-article", api_name="/remove_articles")
        assert note.startswith("Removed 1") and "no-such-article" in note
        assert "empty" in summary
    finally:
        demo.close()


ARTICLE_ID_COLUMN = 4  # app.web.chat.ARTICLE_COLUMNS


def test_login_covers_the_page_and_the_api(seed_store):
    demo, url = serve(seed_store, auth="editor:s3cret")
    try:
        assert httpx.get(url + "config").status_code in (401, 403)
        with pytest.raises(Exception):
            client(url).predict("Where did the conference take place?", api_name="/answer")
        result = client(url, auth=("editor", "s3cret")).predict("Where did the conference take place?",
                                                                 api_name="/answer")
        assert "Hanoi" in result["answer"]
    finally:
        demo.close()


def test_binds_to_loopback_by_default():
    assert load_settings().host == "127.0.0.1"


def test_malformed_login_setting_is_a_clear_error():
    from app.errors import ConfigError

    with pytest.raises(ConfigError, match="user:password"):
        load_settings(auth="editor").logins()


def test_uploads_are_checked_again_on_the_server(tmp_path):
    from app.web.chat import UPLOAD_TYPES, add_files

    big = tmp_path / "big.txt"
    big.write_text("Word. " * 300_000, "utf-8")  # ~1.8 MB
    odd = tmp_path / "page.php"
    odd.write_text("<?php echo 1;", "utf-8")
    rows = add_files([str(big), str(odd)], load_settings(store=tmp_path / "store", max_upload_mb=1))
    assert rows == [["big.txt", "refused: larger than 1 MB"],
                    ["page.php", f"refused: not one of {', '.join(UPLOAD_TYPES)}"]]


def test_library_adds_web_pages_only_outside_the_network_unless_allowed(tmp_path):
    from test_web_ingest import BRIDGE
    from webserver import Site, page

    site = Site()
    url = site.add("/en/bridge.html", page("Gdansk lifting bridge reopens", "Pomeranian Wire (Test)",
                                           "2025-11-13T16:20:00+01:00", "en", BRIDGE))
    guarded, guarded_url = serve(tmp_path / "a")
    open_, open_url = serve(tmp_path / "b", fetch_private=True)
    try:
        rows, *_ = client(guarded_url).predict(url, "", api_name="/add_web")
        assert "local or private" in rows["data"][0][1]
        rows, summary, *_ = client(open_url).predict(url, "", api_name="/add_web")
        assert rows["data"][0][1].startswith("added 1") and "Pomeranian Wire" in summary
    finally:
        guarded.close()
        open_.close()
        site.close()
