"""Filters as masks over the BM25 index's passages (app.store.catalogue.Catalogue) mean what the same
filters mean as Chroma ``where`` clauses, checked against a real Chroma collection."""

import json
import random

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from app.errors import NewsQAError
from app.store.filters import day_bound, to_where
from app.store.lexical import Catalogue, LexicalIndex

SOURCES = ["BelTA", "The Verge", "TechCrunch", "Der Spiegel", "BBC News - Technology"]
DAYS = ["2023-09-30", "2023-10-01", "2023-10-07", "2023-10-31", "2023-11-01", "2024-02-29", "2025-10-26"]


def rows(n: int, rng: random.Random) -> list[dict]:
    out = []
    for _ in range(n):
        meta = {"source": rng.choice(SOURCES), "language": rng.choice(["en", "de", "ru"]),
                "category": rng.choice(["", "tech", "politics"])}
        if rng.random() < 0.85:  # some articles carry no date
            day = rng.choice(DAYS)
            meta["published_ts"] = day_bound(day, end=False) + rng.randrange(0, 86400)
        out.append(meta)
    return out


def random_filters(rng: random.Random) -> dict:
    filters = {}
    if rng.random() < 0.5:
        filters["source"] = rng.choice(SOURCES) if rng.random() < 0.5 else rng.sample(SOURCES + ["Nobody"], 2)
    if rng.random() < 0.3:
        filters["language"] = rng.choice(["en", "de", "fr"])
    if rng.random() < 0.2:
        filters["category"] = "tech"
    if rng.random() < 0.5:
        filters["since"] = rng.choice(DAYS)
    if rng.random() < 0.5:
        filters["until"] = rng.choice(DAYS)
    return filters


def test_masks_select_exactly_what_chroma_where_clauses_select(tmp_path):
    rng = random.Random(7)
    metas = rows(400, rng)
    ids = [f"p{i}" for i in range(len(metas))]
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    col = client.get_or_create_collection("rows", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    stored = metas
    col.add(ids=ids, embeddings=np.eye(len(ids), 8, dtype=np.float32) + 0.01, metadatas=stored)
    catalogue = Catalogue.from_metadata(stored)
    checked = 0
    for _ in range(150):
        filters = random_filters(rng)
        where = to_where(filters)
        mask = catalogue.mask(filters)
        if where is None:
            assert mask is None
            continue
        chroma = set(col.get(where=where, include=[], limit=len(ids))["ids"])
        assert {ids[i] for i in np.flatnonzero(mask)} == chroma, filters
        checked += 1
    assert checked > 100


def test_mask_rejects_what_to_where_rejects():
    catalogue = Catalogue.from_metadata([{"source": "BelTA"}])
    with pytest.raises(NewsQAError, match="Unknown filter"):
        catalogue.mask({"outlet": "BelTA"})
    with pytest.raises(NewsQAError, match="Unreadable date"):
        catalogue.mask({"since": "last Tuesday"})
    assert catalogue.mask({}) is None
    assert catalogue.mask({"source": "Nobody"}).tolist() == [False]


def test_catalogue_is_saved_and_loaded_with_the_index(tmp_path):
    index = LexicalIndex(tmp_path / "lexical")
    metas = [{"source": "BelTA", "language": "de", "published_ts": 100}, {"source": "TASS", "language": "ru"}]
    index.build(["a:p0", "b:p0"], ["Erlass Nr. 326", "Konvention"], metas)
    loaded = LexicalIndex(tmp_path / "lexical")
    assert loaded.load()
    assert loaded.catalogue.mask({"source": "TASS"}).tolist() == [False, True]
    assert loaded.catalogue.value("language", 0) == "de"
    assert loaded.position("b:p0") == 1 and loaded.position("zzz") is None
    (segment,) = json.loads((tmp_path / "lexical" / "meta.json").read_text())["segments"]
    (tmp_path / "lexical" / segment / "arrays.npz").unlink()  # a segment lost or cut short
    assert not LexicalIndex(tmp_path / "lexical").load()


def test_postings_count_passages_holding_all_words(tmp_path):
    index = LexicalIndex(None)
    index.build(["a", "b", "c"], ["Sam Bankman-Fried on trial", "Bankman-Fried founded FTX", "Sam Altman at OpenAI"],
                [{}] * 3, save=False)
    assert index.passages_with_all(["sam"]) == 2
    assert index.passages_with_all(["sam", "bankman"]) == 1
    assert index.passages_with_all(["sam", "ftx"]) == 0
    assert index.passages_with_all(["fomenko"]) == 0


def test_a_passage_scores_as_its_best_sentence_and_the_sentence_index_is_saved(tmp_path):
    passages = ["The decree was signed. Weather was mild. Markets rose. Trains ran late.",
                "Decree talk and signing talk and more decree signing talk everywhere today."]
    sentences = [(0, "The decree was signed."), (0, "Weather was mild."), (0, "Markets rose."),
                 (0, "Trains ran late."), (1, passages[1])]
    index = LexicalIndex(tmp_path / "lexical")
    index.build(["a:p0", "b:p0"], passages, [{}, {}], sentences=sentences)
    query = "weather mild"
    by_sentence = index.sentence_scores(query)
    assert by_sentence[1] == 0.0 and by_sentence[0] > 0.0
    # Exactly its best sentence's score: the same sentences, each its own passage, score the same.
    each = LexicalIndex(None)
    each.build([f"s{i}" for i in range(5)], ["x"] * 5, [{}] * 5, save=False,
               sentences=[(i, text) for i, (_, text) in enumerate(sentences)])
    alone = each.sentence_scores(query)
    assert by_sentence.tolist() == [max(alone[:4]), alone[4]] and alone[1] == max(alone)
    loaded = LexicalIndex(tmp_path / "lexical")
    assert loaded.load()
    assert np.allclose(loaded.sentence_scores(query), by_sentence)
    assert np.allclose(loaded.sentence_scores("decree signed"), index.sentence_scores("decree signed"))
    assert loaded.sentence_scores("nothing matches this").tolist() == [0.0, 0.0]
    meta = json.loads((tmp_path / "lexical" / "meta.json").read_text())
    (tmp_path / "lexical" / "meta.json").write_text(json.dumps({**meta, "layout": 1}))
    assert not LexicalIndex(tmp_path / "lexical").load()  # saved when the texts were laid out otherwise
    (tmp_path / "lexical" / "meta.json").write_text(json.dumps(meta))
    assert LexicalIndex(tmp_path / "lexical").load()
    (tmp_path / "lexical" / "meta.json").write_text(json.dumps({**meta, "segments": ["seg-missing"]}))
    assert not LexicalIndex(tmp_path / "lexical").load()
    with pytest.raises(ValueError, match="outside the indexed passages"):
        LexicalIndex(None).build(["a"], ["text"], [{}], save=False, sentences=[(3, "text")])
