from ingest.build.segment import paragraphs, split_sentences


def sentences(text, lang):
    return [text[a:b] for a, b in split_sentences(text, lang)]


def test_german_abbreviations_dates_and_ordinals_do_not_split():
    text = ("Laut Dr. Müller gilt der Erlass Nr. 326 vom 9. September 2025. Am 26. Oktober kam es zum "
            "Treffen. Das 3. Treffen folgt z. B. im Jan. 2026. Der Wert lag bei 12. Danach fiel er.")
    assert sentences(text, "de") == [
        "Laut Dr. Müller gilt der Erlass Nr. 326 vom 9. September 2025.",
        "Am 26. Oktober kam es zum Treffen.",
        "Das 3. Treffen folgt z. B. im Jan. 2026.",
        "Der Wert lag bei 12.",
        "Danach fiel er.",
    ]


def test_german_quotes_and_dashes_stay_inside_the_sentence():
    text = "Er sagte: „Wir sind zufrieden.“ Dann ging er – ohne Kommentar – nach Hause. Ende."
    assert sentences(text, "de") == [
        "Er sagte: „Wir sind zufrieden.“",
        "Dann ging er – ohne Kommentar – nach Hause.",
        "Ende.",
    ]


def test_english_abbreviations_and_numbers():
    text = ("The U.S. Department of State said Dr. Smith met Mr. Jones at 9 a.m. on Monday. "
            "It was the end — or so it seemed. Shares rose 3.5% to $12.40 per share.")
    assert sentences(text, "en") == [
        "The U.S. Department of State said Dr. Smith met Mr. Jones at 9 a.m. on Monday.",
        "It was the end — or so it seemed.",
        "Shares rose 3.5% to $12.40 per share.",
    ]


def test_offsets_point_into_the_text():
    text = "  Erster Satz.   Zweiter Satz.  "
    for start, end in split_sentences(text, "de"):
        assert text[start:end] == text[start:end].strip() and text[start:end].endswith(".")


def test_paragraphs_skip_blank_lines():
    text = "a b\n\n\nc d\ne f\n"
    assert [text[a:b] for a, b in paragraphs(text)] == ["a b", "c d", "e f"]


def test_german_ordinal_before_century_or_date_noun_stays_in_its_sentence():
    # sentencex cuts after "19." and "17."; the XQuAD Huguenot article had three such cuts
    text = ("Sie nutzten französische Namen bis weit ins 19. Jahrhundert hinein. Im 16. und 17. "
            "Jahrhundert trat die Pest auf. Bis zum frühen 18. Jahrhundert flohen viele. "
            "Er kam auf Platz 3. Platz 4 ging an sie. Der Wert lag bei 12. Danach fiel er.")
    assert sentences(text, "de") == [
        "Sie nutzten französische Namen bis weit ins 19. Jahrhundert hinein.",
        "Im 16. und 17. Jahrhundert trat die Pest auf.",
        "Bis zum frühen 18. Jahrhundert flohen viele.",
        "Er kam auf Platz 3.",
        "Platz 4 ging an sie.",
        "Der Wert lag bei 12.",
        "Danach fiel er.",
    ]


def test_austrian_month_names_after_a_day_stay_in_their_sentence():
    # DER STANDARD writes "Jänner" and "Feber"; a cut after "1." lost the date the reader asked for
    text = ("Der Betrag soll nicht ab dem Stichtag 24. April sondern schon ab 1. Jänner gelten. "
            "Die Frist endet mit 3. Feber. Danach fiel er.")
    assert sentences(text, "de") == [
        "Der Betrag soll nicht ab dem Stichtag 24. April sondern schon ab 1. Jänner gelten.",
        "Die Frist endet mit 3. Feber.",
        "Danach fiel er.",
    ]
