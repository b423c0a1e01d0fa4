from datetime import date

import pytest

from app.retrieval.timeexpr import question_range, resolve

REF = date(2025, 11, 29)  # a Saturday


@pytest.mark.parametrize(
    "question, since, until",
    [
        ("What happened last week?", date(2025, 11, 17), date(2025, 11, 23)),
        ("Was geschah letzte Woche in Minsk?", date(2025, 11, 17), date(2025, 11, 23)),
        ("Who resigned yesterday?", date(2025, 11, 28), date(2025, 11, 28)),
        ("Was passierte gestern?", date(2025, 11, 28), date(2025, 11, 28)),
        ("Which reports in October 2025 mention Minsk?", date(2025, 10, 1), date(2025, 10, 31)),
        ("Was geschah im Oktober?", date(2025, 10, 1), date(2025, 10, 31)),
        ("Was geschah im Dezember?", date(2024, 12, 1), date(2024, 12, 31)),  # no future months
        ("Did the tone change after October 7, 2023?", date(2023, 10, 8), None),
        ("Ereignisse seit dem 3. März 2025", date(2025, 3, 3), None),
        ("What did The Age report before October 22, 2023?", None, date(2023, 10, 21)),
        ("Was geschah am 26. Oktober 2025 in Minsk?", date(2025, 10, 26), date(2025, 10, 26)),
        ("What happened in 2023?", date(2023, 1, 1), date(2023, 12, 31)),
        ("What happened last month?", date(2025, 10, 1), date(2025, 10, 31)),
    ],
)
def test_single_expressions(question, since, until):
    found = question_range(question, REF)
    assert (found.since, found.until) == (since, until)
    assert found.text.lower() in question.lower()


def test_no_time_and_several_times_give_no_single_range():
    assert question_range("Which decree authorised the signing?", REF) is None
    two = "Between the report published on November 6, 2023, and the one on December 15, 2023, did it change?"
    assert [r.since for r in resolve(two, REF)] == [date(2023, 11, 6), date(2023, 12, 15)]
    assert question_range(two, REF) is None


def test_numbers_that_are_not_dates_are_ignored():
    assert question_range("How many of the 326 decrees were signed by 100 countries?", REF) is None


def test_answer_applies_and_reports_the_range(seed_settings):
    from app import answer

    inside = answer("Was geschah im Oktober 2025 in Minsk?", settings=seed_settings, reference_date=REF)
    assert inside.time_range == {"text": "im Oktober 2025", "since": "2025-10-01", "until": "2025-10-31",
                                 "reference_date": "2025-11-29", "applied": True}
    assert inside.passages
    outside = answer("Where did the conference take place last week?", settings=seed_settings, reference_date=REF)
    assert outside.time_range["applied"] is False and outside.passages  # nothing then: searched everything
    explicit = answer("Was geschah im Oktober 2025?", filters={"since": "2025-01-01"}, settings=seed_settings,
                      reference_date=REF)
    assert explicit.time_range["applied"] is False  # the caller's dates win
