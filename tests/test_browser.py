"""A real headless Chromium asks the decree question and checks the cited sentence in one click;
an Arabic question is shown, answered and cited right to left."""

import os
import shutil
import socket
from pathlib import Path

import pytest
from conftest import ROOT, first_question, xquad_article

from app.config import load_settings

CHROMIUM = os.environ.get("NEWSQA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("NEWSQA_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def _serve(store):
    from app.web.chat import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return launch(load_settings(store=store, port=port), block=False), f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def page_url(seed_store):
    demo, url = _serve(seed_store)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def languages_url(languages_store):
    demo, url = _serve(languages_store)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (the CI script does)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def test_click_on_marker_highlights_the_decree_sentence(page_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_url)
    page.fill("#question textarea", "Which decree authorised the signing?")
    page.press("#question textarea", "Enter")
    marker = page.locator("#chat a.cite-ref").first
    marker.wait_for(timeout=60_000)  # the streamed answer has ended with its markers
    assert page.locator(".src-card.active").count() == 0
    marker.click()
    active = page.locator(".src-card.active mark.cited")
    active.wait_for(timeout=10_000)
    assert "Erlass des belarussischen Präsidenten Nr. 326 vom 9. September 2025" in active.inner_text()
    assert page.locator(".src-card.active .answer-span").inner_text().endswith("Nr. 326")
    assert "BelTA" in page.locator(".src-card.active .src-meta").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-decree.png"))
    page.close()


def test_stored_markup_is_shown_inert_in_the_page(page_url, browser):
    page = browser.new_page()
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(page_url)
    page.fill("#question textarea", "<img src=x onerror=alert(1)> Where did the UN conference take place?")
    page.press("#question textarea", "Enter")
    page.locator("#chat a.cite-ref").first.wait_for(timeout=60_000)
    assert page.locator("#chat img[src='x']").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.locator("#chat").inner_text()
    assert not alerts
    page.close()


def test_an_arabic_question_is_answered_and_cited_right_to_left(languages_url, browser):
    item = first_question("ar")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(languages_url)
    page.fill("#question textarea", item["question"])
    page.press("#question textarea", "Enter")
    marker = page.locator("#chat a.cite-ref").first
    marker.wait_for(timeout=60_000)
    direction = "el => getComputedStyle(el).direction"
    assert page.locator("#chat .answer").first.evaluate(direction) == "rtl"  # dir=auto, an Arabic answer
    marker.click()
    paragraph = page.locator(".src-card.active .src-par")
    paragraph.wait_for(timeout=10_000)
    assert paragraph.get_attribute("dir") == "rtl" and paragraph.evaluate(direction) == "rtl"
    cited = page.locator(".src-card.active mark.cited").inner_text()
    assert cited in xquad_article("ar")["text"]  # the highlighted sentence, verbatim
    assert any(answer in cited for answer in item["answers"]), cited
    assert item["question"] in page.locator("#chat").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-arabic.png"))
    page.close()
