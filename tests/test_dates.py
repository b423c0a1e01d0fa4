import pytest

from ingest.dates import PartialDate, normalise_published, parse_dateline, published_timestamp


@pytest.mark.parametrize(
    "text, place, agency, date",
    [
        ("MINSK, 26. Oktober (BelTA) – Die Republik", "MINSK", "BelTA", PartialDate(10, 26)),
        ("WASHINGTON (AP) — The Senate", "WASHINGTON", "AP", None),
        ("Berlin, 3. März 2025 (dpa) - Der Bundestag", "Berlin", "dpa", PartialDate(3, 3, 2025)),
        ("LONDON, Oct 26 (Reuters) - Britain", "LONDON", "Reuters", PartialDate(10, 26)),
        ("NEW YORK, October 26, 2025 (AP) — Stocks", "NEW YORK", "AP", PartialDate(10, 26, 2025)),
        ("Passau, 7. November 2025 (dk) - Nach", "Passau", "dk", PartialDate(11, 7, 2025)),
    ],
)
def test_datelines(text, place, agency, date):
    line = parse_dateline(text)
    assert (line.place, line.agency, line.date) == (place, agency, date)
    assert not text[line.end].isspace()


@pytest.mark.parametrize("text", ["Die Republik (BelTA) – hat", "No dateline here.", "BERLIN – ohne Agentur"])
def test_not_datelines(text):
    assert parse_dateline(text) is None


def test_no_invented_year():
    assert PartialDate(10, 26).iso() == ""


@pytest.mark.parametrize(
    "value, expected",
    [("2023-11-27T08:45:59+00:00", "2023-11-27T08:45:59+00:00"), ("2025-10-26", "2025-10-26"),
     ("2025-10-26T10:00:00Z", "2025-10-26T10:00:00+00:00"), ("3. März 2025", "2025-03-03"),
     ("26. Oktober", ""), ("", ""), (None, "")],
)
def test_normalise_published(value, expected):
    assert normalise_published(value) == expected


def test_timestamp_of_plain_date_is_utc_midnight():
    assert published_timestamp("1970-01-02") == 86400
