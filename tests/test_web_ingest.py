"""Web pages and feeds from a real HTTP server on 127.0.0.1 (tests/webserver.py): first ingest,
re-ingest, URL variants, an edit, a removal, a syndicated copy, feeds, sync and bad input."""

import json

import pytest
from webserver import Site, page

from app import answer
from app.answering.engine import open_store
from app.config import load_settings
from ingest.pipeline import WebOptions, ingest_and_remember, sync

HAFEN = [
    "Kiel, 14. November 2025 (kn) - Im Kieler Hafen hat am Freitag ein neues Terminal für Fähren nach "
    "Skandinavien den Betrieb aufgenommen.",
    "Das Terminal kostete nach Angaben der Hafengesellschaft 84 Millionen Euro und soll jährlich bis zu "
    "zwei Millionen Passagiere abfertigen.",
    "Die erste Fähre legte um 9.30 Uhr mit 1.100 Fahrgästen aus Oslo an. Der Bürgermeister sprach von "
    "einem wichtigen Tag für die Stadt.",
]
BRIDGE = [
    "GDANSK (PW) - A lifting bridge over the Motława river reopened on Thursday after eight months of "
    "repairs that cost 31 million zloty, the city council said.",
    "Engineers replaced the steel counterweights and the hydraulic drive, which had failed twice last "
    "winter and left pedestrians stranded on the island.",
    "The bridge now lifts in 90 seconds instead of four minutes, allowing yachts to pass more often "
    "during the summer season, a council spokeswoman said.",
]
WIRE_EDITS = {"the city council said": "city officials said"}  # a copy desk's touch


def syndicated(paragraphs):
    text = list(paragraphs)
    for old, new in WIRE_EDITS.items():
        text = [p.replace(old, new) for p in text]
    return text + ["This story was distributed by Polish Wire and is republished with permission."]


def rss(site: Site, entries: list[str]) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Baltic Harbour News</title><link>{site.url}/</link><description>Test feed</description>
{''.join(entries)}</channel></rss>"""


def item(title, link="", summary="", content="", date="Fri, 14 Nov 2025 10:15:00 +0100"):
    parts = [f"<title>{title}</title>", f"<pubDate>{date}</pubDate>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if summary:
        parts.append(f"<description>{summary}</description>")
    if content:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    return f"<item>{''.join(parts)}</item>"


@pytest.fixture()
def site():
    s = Site()
    s.add("/de/hafen.html", page("Neues Fährterminal in Kiel eröffnet", "Kieler Nachrichten (Test)",
                                 "2025-11-14T09:45:00+01:00", "de", HAFEN))
    s.add("/en/bridge.html", page("Gdansk lifting bridge reopens after repairs", "Pomeranian Wire (Test)",
                                  "2025-11-13T16:20:00+01:00", "en", BRIDGE))
    s.add("/en/bridge.html/amp", page("Gdansk lifting bridge reopens after repairs", "Pomeranian Wire (Test)",
                                      "2025-11-13T16:20:00+01:00", "en", BRIDGE, canonical=s.url + "/en/bridge.html"))
    s.add("/syndicated/bridge.html", page("Gdansk bridge back in service", "Coastal Herald (Test)",
                                          "2025-11-13T18:00:00+01:00", "en", syndicated(BRIDGE)))
    yield s
    s.close()


@pytest.fixture()
def store(tmp_path):
    settings = load_settings(store=tmp_path / "store")
    return open_store(settings), settings


WEB = WebOptions(timeout=2.0, max_bytes=2**20)


def test_pages_ingest_once_with_metadata_and_url_variants_are_the_same_article(site, store):
    news, _ = store
    first = ingest_and_remember(news, [site.url + "/de/hafen.html", site.url + "/en/bridge.html"], web=WEB)
    assert len(first.added) == 2 and first.ok
    arts = {a.language: a for a in news.list_articles()}
    de = arts["de"]
    assert de.title == "Neues Fährterminal in Kiel eröffnet" and de.source == "Kieler Nachrichten (Test)"
    assert de.published == "2025-11-14T09:45:00+01:00" and de.place == "Kiel"
    assert de.url == site.url.replace("http://", "https://") + "/de/hafen.html"  # canonical spelling
    again = ingest_and_remember(news, [site.url + "/de/hafen.html", site.url + "/en/bridge.html"], web=WEB)
    assert len(again.unchanged) == 2 and not again.added and not again.updated
    variants = [site.url + "/en/bridge.html?utm_source=newsletter&utm_medium=email#top",
                site.url + "/en/bridge.html/amp"]
    same = ingest_and_remember(news, variants, web=WEB)
    bridge = arts["en"].id
    assert same.unchanged == [bridge] and not same.added and news.count() == 2  # both spell one article


def test_edited_page_replaces_its_sentences_and_removal_by_variant_url(site, store):
    news, settings = store
    url = site.url + "/de/hafen.html"
    ingest_and_remember(news, [url], web=WEB)
    edited = [HAFEN[0], HAFEN[1].replace("84 Millionen", "91 Millionen"), HAFEN[2]]
    site.add("/de/hafen.html", page("Neues Fährterminal in Kiel eröffnet", "Kieler Nachrichten (Test)",
                                    "2025-11-14T09:45:00+01:00", "de", edited))
    report = ingest_and_remember(news, [url], web=WEB)
    assert len(report.updated) == 1 and news.count() == 1
    result = answer("Wie viel kostete das Terminal in Kiel?", settings=settings)
    assert "91 Millionen" in result.citations[0].sentence
    ids, missing = news.resolve([url + "?utm_campaign=x"])
    assert len(ids) == 1 and not missing
    news.remove(ids)
    assert news.count() == 0 and news.count("passages") == 0


def test_syndicated_copy_is_grouped_and_cited_once_with_the_other_outlet(site, store):
    news, settings = store
    ingest_and_remember(news, [site.url + "/en/bridge.html", site.url + "/syndicated/bridge.html"], web=WEB)
    groups = {a.source: a.group for a in news.list_articles()}
    assert len(groups) == 2 and len(set(groups.values())) == 1
    result = answer("How long does the Gdansk bridge take to lift now?", settings=settings)
    assert len({h.article_id for h in result.passages}) == 1  # one copy speaks for the story
    first = result.citations[0]
    assert "90 seconds" in first.sentence
    other = {"Pomeranian Wire (Test)", "Coastal Herald (Test)"} - {first.source}
    assert first.also_reported_by == tuple(other)


def test_bad_urls_fail_one_by_one_with_reasons(site, store):
    news, _ = store

    def endless():
        while True:
            yield b"<p>" + b"x" * 65536 + b"</p>"

    site.add("/slow.html", page("Slow", "S", "2025-11-01", "en", BRIDGE), delay=3)
    site.add("/huge.html", endless)
    site.add("/image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")
    report = ingest_and_remember(news, [
        site.url + "/slow.html", site.url + "/huge.html", site.url + "/image.png", site.url + "/gone.html",
        "ftp://example.org/a.html", site.url + "/de/hafen.html",
    ], web=WEB)
    reasons = {e.where.rsplit("/", 1)[-1]: e.reason for e in report.failed}
    assert reasons["slow.html"].startswith("timed out after 2 s")
    assert reasons["huge.html"].startswith("larger than the 1 MB limit")
    assert reasons["image.png"] == "not an HTML page (content type 'image/png')"
    assert reasons["gone.html"] == "HTTP 404 Not Found"
    assert "only http and https" in reasons["a.html"]
    assert len(report.added) == 1 and not report.ok  # the good page went in; the status says what failed


def test_feed_entries_become_articles_and_sync_adds_only_what_is_new(site, store, tmp_path):
    news, settings = store
    entries = [
        item("Neues Fährterminal in Kiel eröffnet", link=site.url + "/de/hafen.html?utm_source=rss",
             summary="Kiel hat ein neues Terminal."),
        item("Gdansk bridge reopens", link=site.url + "/en/bridge.html", summary="The bridge is open again."),
        item("Broken entry without link or text"),
        item("Slow page", link=site.url + "/slow.html", summary="Slow."),
    ]
    site.add("/slow.html", page("Slow", "S", "2025-11-01", "en", BRIDGE), delay=3)
    feed = site.add("/feed.rss", rss(site, entries), content_type="application/rss+xml")
    report = ingest_and_remember(news, feeds=[feed], web=WEB)
    assert len(report.added) == 2
    assert {e.reason for e in report.failed} >= {"the entry has neither a link nor any text"}
    assert any("timed out" in e.reason for e in report.failed)
    kiel = [a for a in news.list_articles() if a.language == "de"][0]
    assert kiel.source == "Kieler Nachrichten (Test)" and "84 Millionen" in news.articles([kiel.id], True)[kiel.id].text
    remembered = json.loads((settings.store / "feeds.json").read_text())
    assert remembered[feed]["title"] == "Baltic Harbour News"

    site.add("/en/ferry.html", page("Ferry line adds winter sailings", "Pomeranian Wire (Test)",
                                    "2025-11-15T08:00:00+01:00", "en",
                                    ["GDYNIA (PW) - A ferry line between Gdynia and Karlskrona will add six "
                                     "winter sailings a week from December, the operator said on Saturday."]))
    site.add("/feed.rss", rss(site, entries[:2] + [item("Ferry line adds winter sailings",
                                                        link=site.url + "/en/ferry.html")]),
             content_type="application/rss+xml")
    polled = sync(news, web=WEB)
    assert len(polled.added) == 1 and len(polled.unchanged) == 2 and polled.ok
    pages = site.hits["/en/ferry.html"]
    quiet = sync(news, web=WEB)  # the feed answers 304 Not Modified: nothing is read again
    assert not (quiet.added or quiet.unchanged or quiet.failed) and site.hits["/en/ferry.html"] == pages


def test_feed_file_without_fetching_keeps_the_entry_text(tmp_path, store):
    news, _ = store
    atom = tmp_path / "feed.atom"
    atom.write_text("""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Rhein-Ticker (Test)</title><id>urn:test:feed</id>
<updated>2025-11-16T12:00:00Z</updated>
<entry><title>Pegel am Rhein steigt</title><id>urn:test:1</id><link href="https://example.org/rhein-pegel"/>
<updated>2025-11-16T11:30:00+01:00</updated>
<summary type="html">&lt;p&gt;Köln, 16. November 2025 (rt) - Der Pegel des Rheins in Köln ist bis zum Mittag
auf 6,40 Meter gestiegen. Die Stadt rechnet mit Sperrungen am Ufer.&lt;/p&gt;</summary></entry>
</feed>""", "utf-8")
    report = ingest_and_remember(news, feeds=[str(atom)], web=WebOptions(fetch_pages=False))
    assert len(report.added) == 1 and report.ok
    (article,) = news.list_articles()
    assert (article.source, article.published, article.url) == (
        "Rhein-Ticker (Test)", "2025-11-16T11:30:00+01:00", "https://example.org/rhein-pegel")
    assert article.place == "Köln"


def test_not_a_feed_is_one_clear_failure(site, store):
    news, _ = store
    report = ingest_and_remember(news, feeds=[site.url + "/de/hafen.html"], web=WEB)
    assert not report.added and "not a readable RSS or Atom feed" in report.failed[0].reason


@pytest.mark.parametrize("url, canonical", [
    ("http://www.Example.org/a/story.html?utm_source=x&b=2&a=1#top", "https://example.org/a/story.html?a=1&b=2"),
    ("https://m.example.org/a/story/", "https://example.org/a/story"),
    ("https://amp.example.org/a/story.amp.html", "https://example.org/a/story.html"),
    ("https://example.org/amp/a/story?fbclid=1&gclid=2", "https://example.org/a/story"),
    ("https://example.org/a/story/amp/", "https://example.org/a/story"),
])
def test_canonical_url(url, canonical):
    from app.text.urls import canonical_url

    assert canonical_url(url) == canonical


def test_web_chat_refuses_private_addresses(site):
    from app.errors import SourceError
    from ingest.read.web import fetch

    with pytest.raises(SourceError, match="local or private"):
        fetch(site.url + "/de/hafen.html", allow_private=False)
    with pytest.raises(SourceError, match="local or private"):
        fetch("http://169.254.169.254/latest/meta-data/", allow_private=False)
