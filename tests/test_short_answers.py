"""Answers that answer, on real reports: the sentence holding what is asked is cited, the thing
asked for opens the answer (``Answer.short``), and the answer is "the reports don't say" when no
candidate sentence holds the kind of thing asked for, or the report says it is not known."""

import json

import pytest
from conftest import SHARED, cached_store

from app import answer
from app.config import load_settings

GNAD = SHARED / "gnad" / "articles.jsonl"


@pytest.fixture(scope="module")
def reports_settings(tmp_path_factory):
    """Five GNAD reports (Microsoft's advertising deal with AOL; the fire in Traiskirchen; Raif
    Badawi's sentence; the auction of a lunch with Warren Buffett; Gerald Reischl and the ORF)."""
    folder = tmp_path_factory.mktemp("gnad-five")
    wanted = {"gnad-test-0310", "gnad-test-0408", "gnad-test-0453", "gnad-test-0599", "gnad-test-0853"}
    lines = [line for line in GNAD.read_text("utf-8").splitlines() if json.loads(line)["id"] in wanted]
    (folder / "five.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return load_settings(store=cached_store("gnad-five", [folder / "five.jsonl"], tmp_path_factory))


@pytest.mark.parametrize("question, short, sentence", [
    ("How many countries have signed the convention?", "mehr als 100", "Das Dokument wurde von mehr als 100"),
    ("Wer ist Vietnams Minister für öffentliche Sicherheit?", "Lyong Tam Quang", "Iwan Kubrakow traf sich auch"),
    ("Which decree authorised the signing?", "Erlass des belarussischen Präsidenten Nr. 326", "Auf Erlass"),
    ("Wann wurde der Erlass über die Befugnisse unterzeichnet?", "9. September 2025", "Auf Erlass"),
])
def test_the_short_answer_opens_the_answer_and_is_underlined_in_its_sentence(question, short, sentence, seed_settings):
    got = answer(question, settings=seed_settings)
    assert not got.abstained and got.short == short
    cited = next(c for c in got.citations if c.sentence.startswith(sentence))
    assert got.answer.startswith(f"{short} [{cited.n}]\n\n")
    assert cited.sentence[cited.span[0] : cited.span[1]] == short  # as the source writes it, inside the sentence
    assert got.to_dict()["short"] == short


def test_the_sentence_holding_the_amount_is_cited_not_the_one_sharing_the_topic(reports_settings):
    # The report's lead shares "Brand", "Traiskirchen" and the fire with the question and scores
    # closest to it; the number is in a later sentence.
    got = answer("Wie viele Paletten mit Kleidung wurden bei dem Brand in Traiskirchen vernichtet?",
                 settings=reports_settings)
    assert got.short == "120"
    assert "120 Paletten mit Kleidung" in got.citations[0].sentence


@pytest.mark.parametrize("question, short", [
    # the lead names the blogger, his sentence and his country; only a later sentence holds a date
    ("Wann wurde der Blogger Raif Badawi festgenommen?", "Juni 2012"),
    # "what date" asks for a day: "im September" is too coarse
    ("On what date could Gerald Reischl's appointment at the ORF become official?", "17. Dezember"),
    ("How long is the advertising deal between Microsoft and AOL meant to run?", "zehn Jahre"),
])
def test_the_sentence_holding_what_is_asked_wins_over_the_one_sharing_the_topic(question, short, reports_settings):
    got = answer(question, settings=reports_settings)
    assert not got.abstained and got.short == short, got.answer


def test_the_place_a_report_was_filed_from_is_no_answer(reports_settings):
    # the closest sentence is the lead, which opens with its dateline "Omaha - "
    got = answer("Which charity gets the money from the auction of a lunch with Warren Buffett?",
                 settings=reports_settings)
    assert got.citations[0].sentence.startswith("Omaha - ") and got.short != "Omaha"


def test_a_report_saying_the_fact_is_not_known_is_cited_as_the_reason(reports_settings):
    got = answer("Wie hoch ist der Sachschaden nach dem Brand im Lager der Caritas in Traiskirchen?",
                 settings=reports_settings)
    assert got.abstained and got.short == ""
    assert [c.sentence for c in got.citations] == [
        "Die Höhe des entstandenen Sachschadens ist nach Polizeiangaben noch nicht bekannt."]
    assert "not known" in got.answer and got.answer.endswith("[1]")


def test_no_sentence_of_the_kind_asked_for_is_an_abstention(seed_settings):
    # The seed report names people, places and a date, but no amount of money.
    got = answer("How much did the delegation's trip to Vietnam cost?", settings=seed_settings)
    assert got.abstained and got.citations == [] and got.closest
    # the same report answers when asked for a kind of thing it holds
    assert not answer("How many countries have signed the convention?", settings=seed_settings).abstained


def test_an_explanation_has_no_short_answer(seed_settings):
    got = answer("What does the convention give access to?", settings=seed_settings)
    assert not got.abstained and got.short == "" and not got.answer.startswith("\n")
