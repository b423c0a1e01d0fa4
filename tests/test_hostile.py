"""Hostile input: a corpus of nasty files is stored sanitised or rejected with a reason, nothing
crashes, and what was stored before is unchanged. Hypothesis fuzzes the parsing underneath."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache

import pytest
from conftest import SEED_ARTICLE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.errors import SourceError
from app.store import NewsStore
from app.text.dates import (
    date_in_name,
    normalise_published,
    parse_dateline,
    parse_partial_date,
    published_timestamp,
)
from ingest.build.articles import ALIASES, MAX_ARTICLE_CHARS, build_article
from ingest.build.chunk import split_article
from ingest.build.segment import paragraphs, split_sentences
from ingest.pipeline import IngestReport, ingest, read_articles
from ingest.read.readers import MAX_FILE_MB, Record, read_records

# What no stored text may hold: C0/C1 controls but tab and newline, zero-width space, word joiner,
# byte-order mark, bidi embeddings/overrides/isolates, unpaired surrogates.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
BODY = "Die Stadt Passau baut eine neue Brücke über den Inn. Der Bau dauert drei Jahre."
JSONL_LINES = 10_000


def _doc(**fields) -> str:
    return json.dumps({"text": BODY, **fields})


@cache
def _broken_lines(good_every: int) -> tuple[str, frozenset[int]]:
    """A JSONL text of ``JSONL_LINES`` lines and the numbers of its good ones: every
    ``good_every``-th line is an article (the first carries a U+2028 inside its text, which is
    valid JSON), the others are broken in rotating ways."""
    broken = [
        '{"id": "cut", "text": "Abgeschnit',  # truncated
        "not json at all",
        '"a bare string"',
        "[1, 2, 3]",
        '{"id": "x", "title": "no text field"}',
        '{"text": {"nested": "object"}}',
        '{"text": "T", "published": "99999-01-01"}',
        "{'single': 'quotes'}",
        '{"text": "NaN date", "date": NaN}',
    ]
    lines, good = [], set()
    for number in range(1, JSONL_LINES + 1):
        if number % good_every:
            lines.append(broken[number % len(broken)])
            continue
        text = f"Meldung {number} aus Passau." + ("\u2028Zweite Zeile." if number == good_every else "")
        lines.append(json.dumps({"id": f"line-{number}", "text": text}, ensure_ascii=False))
        good.add(number)
    return "\n".join(lines) + "\n", frozenset(good)


SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl", ".xml", ".rss", ".atom", ".pdf", ".docx", ".warc", ".warc.gz")


def _corpus() -> dict[str, bytes | str]:
    """name -> content of each nasty file."""
    para = "<p>" + BODY + " " + BODY + "</p>"
    files: dict[str, bytes | str] = {
        **{f"empty{suffix}": b"" for suffix in SUFFIXES},
        "blank.txt": " \n\t\n\n",
        "nul-head.txt": b"\x00\x01\x02binary junk",
        "nul-late.txt": "A" * 9000 + " Ende.\x00 Ein zweiter\x07 Satz.\n",
        "nul-escaped.json": _doc(id="nul-escaped", title="Ti\u0000tel",
                                 text="Ein\u0000 Text\u001b über Passau. Zweiter Satz."),
        "latin1.txt": "Straße in Passau".encode("latin-1"),
        "invalid-utf8.jsonl": _doc(id="ok").encode() + b"\n" + b'{"text": "\xff\xfe broken"}\n',
        "zero-width.txt": "Ber\u200blin\ufeff baut\u2060 eine Brücke. Der \u202eBau\u202c dauert "
                          "\u2066drei\u2069 Jahre.\n",
        "bidi.md": "---\ntitle: \"Harmlos\u202e gnp.exe\"\n---\n"
                   "Der Bericht \u202aüber\u202c Passau. Er ist \u2067kurz\u2069.\n",
        "surrogate.json": '{"id": "surrogate", "text": "Ein halbes \\ud800 Paar. Noch ein Satz."}',
        "iframe-root.html": "<iframe>html",  # trafilatura's date finder asserted on it
        "nested-5000.html": "<html><body>" + "<div>" * 5000 + para + "</div>" * 5000 + "</body></html>",
        "script.html": (
            "<html><head><title>Brücke</title><style>.STYLE_SECRET{color:red}</style>"
            "<script>var SCRIPT_SECRET = 1;</script></head><body><article><h1>Brücke</h1>" + para
            + "<script>document.write('SCRIPT_SECRET2')</script>"
            "<iframe src='http://evil.example/'>IFRAME_SECRET</iframe>"
            "<p onclick=\"alert('HANDLER_SECRET')\">" + BODY + "</p>"
            "<noscript><img src=x onerror=alert(1)>NOSCRIPT</noscript></article></body></html>"
        ),
        "title-list.json": json.dumps({"title": ["a", 1], "text": BODY}),
        "date-number.json": _doc(id="date-number", date=1_700_000_000),
        "text-object.json": json.dumps({"title": "T", "text": {"p": BODY}}),
        "top-string.json": json.dumps("just a string"),
        "top-null.json": "null",
        "array-mixed.json": json.dumps([1, None, {"text": 3}, {"id": "array-ok", "text": BODY}]),
        "pretty.json": json.dumps({"id": "pretty", "title": "Eingerückt", "text": BODY}, indent=2),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "long-number.jsonl": '{"id": "n", "text": "x", "count": ' + "9" * 5000 + "}\n",
        "bad-url.json": _doc(url="http://[::1/artikel"),
        "big-article.json": json.dumps({"id": "big", "text": "Ein Satz. " * (MAX_ARTICLE_CHARS // 10 + 1)}),
        "Müller.txt": BODY + " Von Müller.",
        "Möller.txt": BODY + " Von Möller.",
        "year-99999.json": _doc(date="99999-01-01"),
        "zero-date.json": _doc(date="0000-00-00"),
        "negative-stamp.json": _doc(id="negative-stamp", date=-86_400),
        "absurd-stamp.json": _doc(date=-1e15),
        "infinite-date.json": '{"text": "Ein Text.", "date": Infinity}',
        "year-one.json": _doc(id="year-one", published="0001-01-01"),
        "impossible-date.md": "---\npublished: 2025-13-45\n---\n" + BODY,
        "broken-lines.jsonl": _broken_lines(good_every=50)[0],
    }
    return files


# file -> the words its rejection must give (every line of broken-lines.jsonl is checked apart)
REJECTED = {
    **{f"empty{suffix}": "empty" for suffix in SUFFIXES},
    "blank.txt": "empty",
    "huge.txt": f"{MAX_FILE_MB} MB limit",
    "nul-head.txt": "NUL",
    "latin1.txt": "UTF-8",
    "invalid-utf8.jsonl": "UTF-8",
    "iframe-root.html": "could not be parsed",
    "nested-5000.html": "nested deeper",
    "title-list.json": "'title' must be a string",
    "text-object.json": "'text' must be a string",
    "top-string.json": "expected a JSON object",
    "top-null.json": "expected a JSON object",
    "deep.json": "nested too deeply",
    "long-number.jsonl": "number too long",
    "big-article.json": "characters, over the limit",
    "year-99999.json": "unreadable date",
    "zero-date.json": "unreadable date",
    "absurd-stamp.json": "unreadable date",
    "infinite-date.json": "unreadable date",
    "impossible-date.md": "impossible value",
}
# file -> the ids stored from it
STORED = {
    "nul-late.txt": {"f-nul-late"},
    "nul-escaped.json": {"nul-escaped"},
    "zero-width.txt": {"f-zero-width"},
    "bidi.md": {"f-bidi"},
    "surrogate.json": {"surrogate"},
    "script.html": {"f-script"},
    "date-number.json": {"date-number"},
    "array-mixed.json": {"array-ok"},
    "pretty.json": {"pretty"},
    "bad-url.json": None,  # an id hashed from the URL
    "negative-stamp.json": {"negative-stamp"},
    "year-one.json": {"year-one"},
    "Müller.txt": None,  # two ids, not one
    "Möller.txt": None,
    "broken-lines.jsonl": {f"line-{n}" for n in _broken_lines(good_every=50)[1]},
}


def _snapshot(store: NewsStore, article_id: str) -> dict:
    """Everything stored about one article."""
    include = ["documents", "metadatas"]
    row = store.collection("articles").get(ids=[article_id], include=include)
    snapshot = {"article": (row["ids"], row["documents"], row["metadatas"])}
    for name in ("passages",):
        got = store.collection(name).get(where={"article_id": article_id}, include=include)
        metas = [json.dumps(m, sort_keys=True) for m in got["metadatas"]]
        snapshot[name] = sorted(zip(got["ids"], got["documents"], metas))
    return snapshot


def _file_of(where: str, folder) -> str:
    """The file name a failure names ("…/x.jsonl:12" and "…/x.json[3]" are lines of x)."""
    return re.sub(r"(:\d+|\[\d+\])$", "", where.removeprefix(f"{folder}/"))


def test_nasty_files_are_stored_sanitised_or_rejected_and_nothing_stored_changes(tmp_path, embedder):
    store = NewsStore.open(tmp_path / "store", embedder)
    seed = ingest([SEED_ARTICLE], store, progress=False)
    (seed_id,) = seed.added
    before = _snapshot(store, seed_id)

    folder = tmp_path / "nasty"
    folder.mkdir()
    for name, content in _corpus().items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, "utf-8")
    with open(folder / "huge.txt", "wb") as huge:  # 50 MB of plausible text, written in pieces
        for _ in range(50):
            huge.write(("A sentence about Passau. " * 41_944)[: 2**20].encode())
    assert (folder / "huge.txt").stat().st_size == 50 * 2**20

    report = ingest([folder], store, progress=False)

    failed: dict[str, list[SourceError]] = {}
    for err in report.failed:
        assert err.reason and str(folder) in err.where, err
        failed.setdefault(_file_of(err.where, folder), []).append(err)
    files = {p.name for p in folder.iterdir()}
    assert set(REJECTED) | set(STORED) == files  # every nasty file is accounted for
    for name, words in REJECTED.items():
        assert name in failed and any(words in e.reason for e in failed[name]), (name, failed.get(name))
        assert name not in STORED

    # broken-lines.jsonl: each broken line reported by its own number, each good line stored
    good = _broken_lines(good_every=50)[1]
    numbers = sorted(int(e.where.rsplit(":", 1)[1]) for e in failed.pop("broken-lines.jsonl"))
    assert numbers == [n for n in range(1, JSONL_LINES + 1) if n not in good]
    # array-mixed.json: three of its four items rejected, each named by its place in the array
    assert sorted(e.where.rsplit("[", 1)[1] for e in failed.pop("array-mixed.json")) == ["1]", "2]", "3]"]
    assert set(failed) == set(REJECTED)

    expected = set().union(*(ids for ids in STORED.values() if ids))
    added = set(report.added)
    assert expected <= added and not report.updated
    assert len(added - expected) == 3  # bad-url, Müller, Möller
    assert len([i for i in added if i.startswith("f-M-ller-")]) == 2

    stored = store.articles(added, with_text=True)
    assert set(stored) == added
    for article in stored.values():
        for value in (article.text, article.title, article.source, article.author, article.place):
            assert not INVISIBLE.search(value), (article.id, value[:80])
        if article.published:
            datetime.fromisoformat(article.published)
    text = {i: a.text for i, a in stored.items()}
    assert text["f-zero-width"] == "Berlin baut eine Brücke. Der Bau dauert drei Jahre."
    assert text["nul-escaped"] == "Ein Text über Passau. Zweiter Satz." and stored["nul-escaped"].title == "Titel"
    assert text["f-nul-late"].endswith(" Ende. Ein zweiter Satz.")
    assert text["f-bidi"] == "Der Bericht über Passau. Er ist kurz." and stored["f-bidi"].title == "Harmlos gnp.exe"
    assert text["surrogate"] == "Ein halbes \ufffd Paar. Noch ein Satz."
    assert "\u2028" in text["line-50"]  # kept verbatim: a line separator inside a JSON string
    script = text["f-script"]
    assert "Passau" in script and not re.search("SECRET|NOSCRIPT|evil|<", script)
    assert stored["date-number"].published == "2023-11-14T22:13:20+00:00"
    assert stored["negative-stamp"].published == "1969-12-31T00:00:00+00:00"
    assert stored["year-one"].published == "0001-01-01"
    assert stored["pretty"].title == "Eingerückt"

    assert _snapshot(store, seed_id) == before  # what was stored before is unchanged
    assert ingest([SEED_ARTICLE], store, progress=False).unchanged == [seed_id]
    assert store.lexical_index().passage_ids == store.collection("passages").get(include=[])["ids"]


def test_jsonl_of_mostly_good_lines_reports_each_broken_line(tmp_path):
    """10,000 lines, one in ten broken: 9,000 articles and 1,000 reasons, each at its line."""
    lines = _broken_lines(good_every=1)[0].rstrip("\n").split("\n")  # not splitlines(): line 1 holds a U+2028
    for number in range(10, JSONL_LINES + 1, 10):  # break every tenth line again
        lines[number - 1] = lines[number - 1][: len(lines[number - 1]) // 2]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    report = IngestReport()
    articles = read_articles([tmp_path / "many.jsonl"], report)
    assert sorted(a.id for a in articles) == sorted(f"line-{n}" for n in range(1, JSONL_LINES + 1) if n % 10)
    assert sorted(int(e.where.rsplit(":", 1)[1]) for e in report.failed) == list(range(10, JSONL_LINES + 1, 10))
    assert all(e.reason.startswith("invalid JSON line") for e in report.failed)


# ---- Hypothesis: the pure functions on arbitrary input ----

NASTY_CHARS = ("\x00\x07\x1b\x7f\x85\u200b\u200d\u2028\u202e\u2066\u2069\ufeff\ud800"
               " \n\t\r.!?„“\"'<>&{}[]:,-–—0123456789aZäß…。")
nasty_text = st.one_of(st.text(max_size=200), st.text(alphabet=NASTY_CHARS, max_size=200))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = sorted({name for names in ALIASES.values() for name in names} | {"_filename"})
records = st.dictionaries(st.sampled_from(FIELD_NAMES) | nasty_text,
                          json_values | st.dates() | st.datetimes(), max_size=8)
HTML_BITS = [
    "<html>", "<body>", "<div>", "</div>", "<p>", "</p>", "<script>", "</script>", "<iframe src=x>", "<style>",
    "<!--", "-->", "<title>", "</title>", "<article>", "<meta property='article:published_time' content='", "'>",
    "<link rel=canonical href='http://[::1", "<time datetime='", "T", "<?xml version='1.0' encoding='latin-1'?>",
    "Ein Satz über Passau. ", "&amp;", "&#0;", "\u202e",
]


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")


def _front_matter(fields: dict, body: str) -> str:
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n" + body


file_bytes = st.one_of(
    st.binary(max_size=400),
    nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(HTML_BITS) | nasty_text, max_size=30).map(lambda bits: _utf8("".join(bits))),
    st.lists(json_values.map(json.dumps) | nasty_text, max_size=6).map(lambda lines: _utf8("\n".join(lines))),
    st.builds(_front_matter, st.dictionaries(st.sampled_from(FIELD_NAMES), nasty_text, max_size=4),
              nasty_text).map(_utf8),
)


def _check_article(article) -> None:
    assert article.text.strip() and len(article.text) <= MAX_ARTICLE_CHARS
    for value in (article.text, article.title, article.source, article.url, article.author, article.place):
        assert not INVISIBLE.search(value)
    assert article.id and 0 <= article.body_start <= len(article.text)
    if article.published:
        assert isinstance(published_timestamp(article.published), int)
    sentences, passages = split_article(article)
    for piece in (*sentences, *passages):
        assert article.text[piece.start : piece.end] == piece.text and piece.text.strip()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=file_bytes)
@example(data=b"<iframe>html")  # crashes found by this test, kept as regressions
@example(data=b"---\n_filename:\n---!")
@example(data=b'{"text": "x", "n": ' + b"9" * 5000 + b"}")
def test_any_file_is_read_into_articles_or_reasons(scratch, suffix, data):
    path = scratch / f"fuzz-2025-01-02{suffix}"
    path.write_bytes(data)
    for record in read_records(path):  # anything but a SourceError propagating is a crash
        if isinstance(record, SourceError):
            assert record.reason and str(path) in record.where
            continue
        try:
            article = build_article(record)
        except SourceError as err:
            assert err.reason and str(path) in err.where
            continue
        _check_article(article)


@FUZZ
@given(fields=records)
@example(fields={"text": "x", "_filename": 5})
@example(fields={"text": "x", "url": "http://[::1"})
@example(fields={"text": "\u202e\u200b\x00"})
def test_any_record_is_an_article_or_a_reason(fields):
    try:
        article = build_article(Record(fields, "fuzz:1"))
    except SourceError as err:
        assert err.where == "fuzz:1" and err.reason
        return
    _check_article(article)


ISO_LIKE = r"\A-?\d{1,6}-\d{1,2}-\d{1,2}([T ]\d\d:\d\d(:\d\d(\.\d{1,7})?)?(Z|[+-]\d\d:?\d\d)?)?\Z"
NEWS_LIKE = (r"\A([A-Z][a-z]{2}, )?\d{1,3}\.? (Nov|Oktober|März|Sept|Foo)\.?,? \d{0,5}"
             r"( \d\d?:\d\d?(:\d\d?)?)?( [+-]\d{4}| [A-Z]{1,3})?\Z")  # "Wed, 05 Nov 2025 17:10:00 +0100"


@FUZZ
@given(value=nasty_text | st.integers() | st.floats() | st.from_regex(ISO_LIKE) | st.from_regex(NEWS_LIKE))
@example(value=-1e15)
@example(value=float("nan"))
@example(value="99999-01-01")
@example(value="0000-00-00")
def test_any_date_is_iso_or_empty(value):
    iso = normalise_published(value)
    assert iso == "" or isinstance(published_timestamp(iso), int)
    if iso:
        datetime.fromisoformat(iso)
    if isinstance(value, str):
        parse_partial_date(value)
        date_in_name(value)
        line = parse_dateline(value)
        assert line is None or 0 < line.end <= len(value)


@FUZZ
@given(text=nasty_text, language=st.sampled_from(["", "en", "de", "fr", "zh", "xx"]))
@example(text="Halb\ud800. Satz.", language="")
def test_sentence_spans_are_exact_substrings(text, language):
    spans = split_sentences(text, language)
    for (start, end), following in zip(spans, spans[1:] + [(len(text), len(text))]):
        assert 0 <= start < end <= following[0] <= len(text)
        assert text[start:end] == text[start:end].strip() != ""
    for start, end in paragraphs(text):
        assert 0 <= start < end <= len(text) and text[start:end].strip()
