import pytest

from app.retrieval.outlets import (
    match_sources,
    mentioned_outlets,
    named_sources,
    unknown_outlets,
)

STORED = ["BBC News - Technology", "The Independent - Life and Style", "TechCrunch", "Financial Times",
          "The Verge", "BelTA"]


@pytest.mark.parametrize(
    "question, names",
    [
        ("Considering a BBC article and a Times of India report on her honours, which film ...?", ["BBC", "Times of India"]),
        ("According to an article from The Financial Times, which company ...?", ["The Financial Times"]),
        ("Who is the founder, as reported by both The Verge and TechCrunch?", ["The Verge", "TechCrunch"]),
        ("Does 'The Independent - Life and Style' article suggest ...?", ["The Independent - Life and Style"]),
        ("Was berichtete der Artikel von BelTA über Hanoi?", ["BelTA"]),
        ("¿Qué dice el artículo de El País sobre la huelga?", ["El País"]),
        ("¿Qué informó la noticia de EFE sobre Hanoi?", ["EFE"]),
        ("Что сообщило агентство БелТА о конвенции?", ["БелТА"]),
        ("О чём статья о конвенции?", []),
        ("¿Qué firmó Belarús en Hanói?", []),
        ("Did the report on Brock Purdy's performance change after October 7?", []),
        ("Which decree authorised the signing?", []),
    ],
)
def test_mentions(question, names):
    assert mentioned_outlets(question) == names


def test_matching_stored_sources():
    assert match_sources("BBC", STORED) == ["BBC News - Technology"]
    assert match_sources("The Financial Times", STORED) == ["Financial Times"]
    assert match_sources("The Independent", STORED) == ["The Independent - Life and Style"]
    assert match_sources("Bloomberg", STORED) == []
    assert match_sources("The", STORED) == []


def test_unknown_outlets():
    assert unknown_outlets("What did a Bloomberg report and a BBC article say?", STORED) == ["Bloomberg"]
    assert unknown_outlets("Did the Financial Times article mention it?", STORED) == []
    assert unknown_outlets("What was signed in Minsk?", STORED) == []


def test_question_about_an_outlet_not_stored_abstains_and_says_why(seed_settings):
    from app import answer

    result = answer("What did the Bloomberg article say about the UN conference in Hanoi?", settings=seed_settings)
    assert result.abstained and not result.citations and result.closest
    assert "Bloomberg" in result.answer and "no stored article comes from there" in result.answer
    kept = answer("What did the BelTA report say about the UN conference in Hanoi?", settings=seed_settings)
    assert not kept.abstained and "Hanoi" in kept.citations[0].sentence


MULTIHOP_OUTLETS = ["The Verge", "TechCrunch", "The Age", "Fortune", "The Independent - Sports",
          "The Independent - Life and Style", "Polygon", "Engadget"]


@pytest.mark.parametrize("question, expected", [
    # attributed by the patterns first, then the names spelt out exactly
    ("Has the portrayal in reports by The Age before October 22, 2023, remained consistent with "
     "The Verge's coverage, and with TechCrunch's report?", [["The Age"], ["TechCrunch"], ["The Verge"]]),
    ("Which company, covered by Engadget and Polygon, is set to release it?", [["Engadget"], ["Polygon"]]),
    # the longest stored name wins, and a lower-case word is not an outlet
    ("After a fortune was spent, did The Independent - Sports report it?", [["The Independent - Sports"]]),
    ("Did TechCrunchy or Polygons report it?", []),
    ("Who signed the convention?", []),
])
def test_stored_outlets_named_in_a_question(question, expected):
    assert named_sources(question, MULTIHOP_OUTLETS) == expected
