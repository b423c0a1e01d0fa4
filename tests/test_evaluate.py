"""newsqa eval end to end: cached stores from --articles, the baseline, the report, --compare."""

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from conftest import ROOT, SEED_ARTICLE, SEED_QA

NEWSQA = str(Path(sys.executable).with_name("newsqa"))


def newsqa(*args, env, ok=True):
    done = subprocess.run([NEWSQA, *map(str, args)], capture_output=True, text=True, timeout=900,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), **env})
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    return done


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external, self.script, self._in_json = [], [], "", False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key, "").startswith(("http://", "https://", "//")):
                self.external.append(attrs[key])
        self._in_json = tag == "script" and attrs.get("type") == "application/json"

    def handle_data(self, data):
        if self._in_json:
            self.script += data

    def handle_endtag(self, tag):
        self._in_json = False


def tree_state(folder: Path) -> dict:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_articles_run_uses_its_own_cached_store_and_writes_a_report(tmp_path):
    default = tmp_path / "default-store"
    env = {"NEWSQA_STORE": str(default), "NEWSQA_CACHE": str(tmp_path / "cache")}
    newsqa("ingest", ROOT / "samples", env=env)
    before = tree_state(default)
    out = tmp_path / "run"
    newsqa("eval", SEED_QA, "--articles", SEED_ARTICLE, "--out", out, "--baseline", "naive", env=env)
    assert tree_state(default) == before  # the user's store is untouched

    stores = sorted((tmp_path / "cache" / "eval-stores").glob("belta-*"))
    assert len(stores) == 1 and (stores[0] / "ready").exists()
    built = tree_state(stores[0])
    again = json.loads(newsqa("eval", SEED_QA, "--articles", SEED_ARTICLE, "--json", env=env).stdout)
    assert (stores[0] / "ready").read_text() == "added 1, updated 0, unchanged 0, failed 0 (17 sentences, 2 passages written)"
    assert set(built) <= set(tree_state(stores[0]))  # reused, not rebuilt

    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert metrics["n"] == 10 and metrics["baseline"]["name"] == "naive"
    assert metrics["retrieval"]["hit_at_10"] == again["retrieval"]["hit_at_10"]
    assert metrics["abstention"]["correct_rate"] == 1.0
    assert set(metrics["by_lang"]) == {"en", "de"} and set(metrics["by_half"]) == {"tune", "check"}
    assert set(metrics["short_answer"]) == {"contains", "exact_match", "f1"}

    results = [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in results] == [f"seed-{i:02d}" for i in range(1, 11)]
    assert {"question", "answer", "short_answer", "citations", "passages", "failure", "f1", "half"} <= set(results[0])
    assert all(r["failure"] == "ok" for r in results if r["id"] in ("seed-09", "seed-10"))
    hanoi = next(r for r in results if r["id"] == "seed-02")
    assert hanoi["failure"] == "ok" and hanoi["citations"][0]["correct"]
    assert [p["rank"] for p in hanoi["passages"] if p["hit"]][0] == hanoi["hit_rank"]

    page = Page()
    page.feed((out / "report.html").read_text("utf-8"))
    assert page.external == [] and page.tags.count("svg") >= 2 and "table" in page.tags
    embedded = json.loads(page.script)
    assert embedded["metrics"]["retrieval"] == metrics["retrieval"]
    assert embedded["baseline"]["n"] == 10


def test_compare_lists_metric_changes_and_flipped_questions(tmp_path):
    env = {"NEWSQA_CACHE": str(tmp_path / "cache")}
    newsqa("eval", SEED_QA, "--articles", SEED_ARTICLE, "--out", tmp_path / "a", env=env)
    newsqa("eval", SEED_QA, "--articles", SEED_ARTICLE, "--out", tmp_path / "b",
           env={**env, "NEWSQA_ABSTAIN_BELOW": "5"})  # above any score: abstains on everything
    out = newsqa("eval", "--compare", tmp_path / "a", tmp_path / "b", env=env).stdout
    assert "abstention.false_rate" in out and "+1.000" in out
    rows = [json.loads(line) for line in (tmp_path / "a" / "results.jsonl").read_text("utf-8").splitlines()]
    answered_ok = [r["id"] for r in rows if r["answerable"] and r["failure"] == "ok"]
    assert len(answered_ok) >= 6
    assert f"broken in B ({len(answered_ok)})" in out
    assert all(f"{qid}: ok -> wrongly abstained" in out for qid in answered_ok)
    assert "fixed in B (0)" in out


def test_eval_errors_name_the_fix(tmp_path):
    env = {"NEWSQA_CACHE": str(tmp_path / "cache")}
    bad = tmp_path / "qa.jsonl"
    bad.write_text('{"question": "ok?"}\n{"no": "question"}\n', "utf-8")
    assert "qa.jsonl:2" in newsqa("eval", bad, "--articles", SEED_ARTICLE, env=env, ok=False).stderr
    assert "not an eval run" in newsqa("eval", "--compare", tmp_path, tmp_path, env=env, ok=False).stderr
    assert "no such file" in newsqa("eval", SEED_QA, "--articles", tmp_path / "nope", env=env, ok=False).stderr
