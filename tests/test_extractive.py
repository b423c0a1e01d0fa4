"""The extractive answerer on the bundled samples: which sentence a question gets."""

from datetime import date

from app import answer
from app.config import load_settings


def test_a_place_the_question_names_keeps_the_answer_in_that_places_report(samples_store):
    # The Rotterdam report's "About 4,000 workers had walked out on Sunday." shares "workers" and
    # a number with the question, and scored above the Passau report's answer before the rule.
    settings = load_settings(store=samples_store)
    got = answer("How many emergency workers were deployed in Passau?", settings=settings,
                 reference_date=date(2025, 12, 1))
    assert not got.abstained
    assert got.citations[0].sentence.startswith("Rund 350 Einsatzkräfte")
    assert got.citations[0].source == "Donau-Kurier (Beispiel)"
    assert not any(c.sentence.startswith("About 4,000 workers") for c in got.citations)
    # A place no candidate report is datelined from changes nothing.
    rotterdam = answer("When did the dock workers in Rotterdam end their strike?", settings=settings,
                       reference_date=date(2025, 12, 1))
    assert rotterdam.citations[0].sentence.startswith("Dock workers at the Port of Rotterdam returned")
