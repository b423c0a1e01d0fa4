import pytest

from app.text.dates import (
    PartialDate,
    normalise_published,
    parse_dateline,
    published_timestamp,
)


@pytest.mark.parametrize(
    "text, place, agency, date",
    [
        ("MINSK, 26. Oktober (BelTA) – Die Republik", "MINSK", "BelTA", PartialDate(10, 26)),
        ("WASHINGTON (AP) — The Senate", "WASHINGTON", "AP", None),
        ("Berlin, 3. März 2025 (dpa) - Der Bundestag", "Berlin", "dpa", PartialDate(3, 3, 2025)),
        ("LONDON, Oct 26 (Reuters) - Britain", "LONDON", "Reuters", PartialDate(10, 26)),
        ("LONDON, Nov 5 (Reuters) - Britain", "LONDON", "Reuters", PartialDate(11, 5)),
        ("NEW YORK, October 26, 2025 (AP) — Stocks", "NEW YORK", "AP", PartialDate(10, 26, 2025)),
        ("NEW YORK, March 3, 2024 (Reuters) - Stocks", "NEW YORK", "Reuters", PartialDate(3, 3, 2024)),
        ("Frankfurt/Main (dpa) - Die EZB", "Frankfurt/Main", "dpa", None),
        ("Hamburg (dpa/lno) - Der Hafen", "Hamburg", "dpa/lno", None),
        ("PARIS (AFP) – Le gouvernement", "PARIS", "AFP", None),
        ("München/Berlin (dpa) – Bayern", "München/Berlin", "dpa", None),
        ("KYIV, Ukraine (AP) — Russia", "KYIV, Ukraine", "AP", None),
        ("WASHINGTON, D.C., March 3 (AP) — The", "WASHINGTON, D.C.", "AP", PartialDate(3, 3)),
        ("Wien, 4.11.2025 (APA) – Die Regierung", "Wien", "APA", PartialDate(11, 4, 2025)),
        ("SAN FRANCISCO, Oct. 7 (Reuters) - Apple", "SAN FRANCISCO", "Reuters", PartialDate(10, 7)),
        ("Passau, 7. November 2025 (dk) - Nach", "Passau", "dk", PartialDate(11, 7, 2025)),
        ("Baden-Baden (dpa) - Der Kurort", "Baden-Baden", "dpa", None),
        # Without an agency: only with a date and an en or em dash.
        ("Bonn, 12. November 2025 – Die Konferenz", "Bonn", "", PartialDate(11, 12, 2025)),
        ("Frankfurt am Main, 3. März — Die Börse", "Frankfurt am Main", "", PartialDate(3, 3)),
        # three capitalised words joined by the lower-case words of a place name
        ("St. Georgen im Attergau (APA) – Der Steirer", "St. Georgen im Attergau", "APA", None),
    ],
)
def test_datelines(text, place, agency, date):
    line = parse_dateline(text)
    assert (line.place, line.agency, line.date) == (place, agency, date)
    assert not text[line.end].isspace()


@pytest.mark.parametrize(
    "text",
    [
        "Die Republik (BelTA) – hat",
        "No dateline here.",
        "BERLIN – ohne Agentur",
        "In Berlin, 3. März – the text",
        "Bonn, 12. November 2025 - mit Bindestrich statt Gedankenstrich",
        "Heute, 3. März 2025 – ein besonderer Tag",
        "Am Montag, 3. März – begann die Sitzung",
        "Der Kanzler (CDU) – so heißt es – will",
        "Wie berichtet (siehe oben) – war",
        "Laut Polizei (Sprecherin) – gab es",
        "Berlin, Paris, London – drei Städte",
        "Berlin, Paris – zwei Städte",
        "Berlin, März (dpa) – kein Datum",
        "The company (NYSE: X) — shares rose",
        "Sales rose 5% (to $3bn) - analysts said",
    ],
)
def test_not_datelines(text):
    assert parse_dateline(text) is None


def test_no_invented_year():
    assert PartialDate(10, 26).iso() == ""


@pytest.mark.parametrize(
    "value, expected",
    [("2023-11-27T08:45:59+00:00", "2023-11-27T08:45:59+00:00"), ("2025-10-26", "2025-10-26"),
     ("2025-10-26T10:00:00Z", "2025-10-26T10:00:00+00:00"), ("3. März 2025", "2025-03-03"),
     ("26. Oktober", ""), ("", ""), (None, ""),
     ("2025-11-05T17:10:00+01:00", "2025-11-05T17:10:00+01:00"),
     ("2025-11-05T17:10:00Z", "2025-11-05T17:10:00+00:00"),
     ("Wed, 05 Nov 2025 17:10:00 +0100", "2025-11-05T17:10:00+01:00"),
     ("Wed, 05 Nov 2025 17:10:00 GMT", "2025-11-05T17:10:00+00:00"),
     ("5 Nov 2025", "2025-11-05"),
     ("0000-00-00", ""), ("9999-99-99", ""), ("yesterday", ""), ("Wed, 35 Nov 2025 17:10:00 GMT", ""),
     (10**20, "")],
)
def test_normalise_published(value, expected):
    assert normalise_published(value) == expected


def test_timestamp_of_plain_date_is_utc_midnight():
    assert published_timestamp("1970-01-02") == 86400
