"""Typed phrases in sentences (app/answering/spans.py), those that answer a question
(candidates.py), German nouns (app/text/nouns.py) and sentences saying a fact is not known
(app/answering/unknown.py), on real news sentences."""

import pytest

from app.answering.asked import asked_in
from app.answering.candidates import answers, bound, measured, other_year
from app.answering.spans import find
from app.answering.unknown import says_unknown
from app.text.analysis import term_sets
from app.text.nouns import compound_head, is_german_noun


def kinds(sentence: str, language: str) -> list[tuple[str, str]]:
    return [(span.kind.value, span.text) for span in find(sentence, language)]


@pytest.mark.parametrize("sentence, language, expected", [
    ("Im vergangenen Jahr brachte der Power Lunch 2,2 Millionen Dollar ein.", "de", ("money", "2,2 Millionen Dollar")),
    ("According to Statista, the firm raked in $5.89bn in 2022.", "en", ("money", "$5.89bn")),
    ("The Wild pay him just under $2M per season.", "en", ("money", "just under $2M")),
    ("Für den Verteidiger wird eine Ablöse von bis zu 30 Millionen Euro fällig.", "de", ("money", "bis zu 30 Millionen Euro")),
    ("Sales in China grew by 5% compared to the year-ago period.", "en", ("percent", "5%")),
    ("So hätten bereits 18 Prozent der Arbeiter einen All-in-Vertrag.", "de", ("percent", "18 Prozent")),
    ("Das Geschäft sei auf zehn Jahre angelegt.", "de", ("duration", "zehn Jahre")),
    ("Der ORF möchte am Küniglberg 15 bis 20 Neugründungen ansiedeln.", "de", ("number", "15 bis 20")),
    ("It also has about 1,000 neurons to process what those eyes see.", "en", ("number", "about 1,000")),
    ("Das Dokument wurde von mehr als 100 Ländern unterzeichnet.", "de", ("number", "mehr als 100")),
    ("Шестикратный обладатель Грэмми Леди Гага исполнила гимн.", "ru", ("number", "Шестикратный")),
    ("أدّت الفائزة ستة مرات بجائزة غرامي النشيد الوطني.", "ar", ("number", "ستة")),
    ("公司收入增长了15%，达到300亿美元。", "zh", ("money", "300亿美元")),
    ("Auf Erlass Nr. 326 vom 9. September 2025 hat er die Befugnisse erhalten.", "de", ("date", "9. September 2025")),
    ("The match will be played on February 4 at Hong Kong Stadium.", "en", ("date", "February 4")),
    ("Minnesota has not won since Nov. 7 against the Islanders.", "en", ("date", "Nov. 7")),
    ("Seit November 2000 ist die ISS ständig bemannt.", "de", ("date", "November 2000")),
    ("Президент подписал указ 26 октября 2025 года.", "ru", ("date", "26 октября 2025 года")),
    ("2025年11月3日，公司宣布了结果。", "zh", ("date", "2025年11月3日")),
    ("Bis 4. September, 13 Uhr, braucht Stenzel 50 Unterstützungserklärungen.", "de", ("date", "13 Uhr")),
    ("Sie nutzten französische Namen bis weit ins 19. Jahrhundert hinein.", "de", ("date", "19. Jahrhundert")),
    ("By the final minutes they were an average 3.6 centimeters from the wall.", "en", ("number", "3.6 centimeters")),
    ("The new APU is produced on a 6nm process.", "en", ("number", "6nm")),
    ("استمروا في استخدام الأسماء لفترة طويلة في القرن التاسع عشر.", "ar", ("date", "القرن التاسع عشر")),
    ("اعترضوا الكرة مع بقاء 17 ثانية.", "ar", ("duration", "17 ثانية")),
    ("Setanta Sports confirmó que empezaría en marzo como servicio.", "es", ("date", "marzo")),
    ("Шидэбала был убит с участием пяти правителей.", "ru", ("number", "пяти")),
])
def test_amounts_and_dates_as_the_source_writes_them(sentence, language, expected):
    assert expected in kinds(sentence, language)


def test_a_bare_number_in_a_date_or_an_amount_is_not_found_again():
    found = kinds("Gagey sagte, 2016 sollten fünf Flugzeuge abgezogen werden, 2017 dann weitere neun.", "de")
    assert ("date", "2016") in found and ("number", "fünf") in found and ("number", "neun") in found
    assert ("number", "5.89") not in kinds("The firm raked in $5.89bn.", "en")  # not a time of day either


def test_chinese_numerals_count_with_their_counter_word_and_not_inside_names():
    found = kinds("职业碗防守截锋卡万·肖特以 11 分领先于全队，同时还有三次迫使掉球和两次重新接球。", "zh")
    assert found == [("number", "11"), ("number", "三次"), ("number", "两次")]  # not the 万 of 卡万
    assert kinds("他在两场季后赛中未投任何球。", "zh") == [("number", "两场")]


@pytest.mark.parametrize("sentence, language, names", [
    ("Nachfolger soll Hans Van Bylen werden, der bisher das Geschäft leitete.", "de", ["Hans Van Bylen"]),
    ("Der Zweitplatzierte Patric Grüner aus Tirol wird am Vormittag erwartet.", "de", ["Patric Grüner"]),
    ("Richter Carlos Samour verkündete am Freitagabend die Entscheidung.", "de", ["Carlos Samour"]),
    ("An seine Stelle rückt Ömer Çelik, bisher Sprecher der AKP.", "de", ["Ömer Çelik", "AKP"]),
    ("Iwan Kubrakow plant ein Treffen mit Mai Hoang.", "de", ["Iwan Kubrakow", "Mai Hoang"]),
    ("Die Regierungen erhalten stärkere Mechanismen zum Kinderschutz.", "de", []),
    ("Im Allgemeinen bedeutet das Minimalität.", "de", []),
    ("Einzige Gemeinsamkeit des 38-Jährigen mit dem Copiloten waren die Vornamen.", "de", []),
    ("Frühere Mitarbeiter von Siemens klagen.", "de", ["Siemens"]),
    ("Werner Faymann sagte, Angela Merkel habe angerufen.", "de", ["Werner Faymann", "Angela Merkel"]),
    ("Bisher musste Badawi Anfang Jänner 50 Hiebe erdulden.", "de", ["Badawi"]),
    ("Dudamel, 1981 in Barquisimeto geboren, war ein Produkt von El Sistema.", "de", ["Dudamel", "Barquisimeto", "El Sistema"]),
    ("The Everton manager said he was shocked.", "en", ["Everton"]),
    ("Wilma Mankiller is a champion for the Cherokee Nation.", "en", ["Wilma Mankiller", "Cherokee Nation"]),
    ("Peyton Manning became the first quarterback.", "en", ["Peyton Manning"]),
    ("Леди Гага исполнила гимн в Санта-Кларе.", "ru", ["Леди Гага", "Санта-Кларе"]),
    ("六届格莱美奖得主演唱了国歌。", "zh", []),
])
def test_names_are_capitalised_runs_without_german_common_nouns(sentence, language, names):
    assert [text for kind, text in kinds(sentence, language) if kind == "name"] == names


def test_german_nouns_and_their_compounds():
    for noun in ("Nachfolger", "Unterstützungserklärungen", "Städten", "Mechanismen", "Henkel-Chef", "Amtes"):
        assert is_german_noun(noun), noun
    for name in ("Bylen", "Samour", "Çelik", "Barquisimeto", "Stenzel", "Buffett", "Activision", "Wien"):
        assert not is_german_noun(name), name
    assert compound_head("Peitschenhiebe") == "hiebe" and compound_head("Rekordzeit") == "zeit"
    assert compound_head("Haus") == "" and compound_head("Buffett") == ""


def test_what_answers_is_of_the_kind_asked_and_not_already_in_the_question():
    question = "Whom does Kubrakow plan to meet in Ho Chi Minh City?"
    sentence = "Iwan Kubrakow plant ein Treffen mit dem Direktor des Amtes für öffentliche Sicherheit, Mai Hoang."
    assert [s.text for s in answers(asked_in(question), sentence, "de", question)] == ["Mai Hoang"]
    count = "Wie viele weitere Langstreckenmaschinen will Air France im Jahr 2017 stilllegen?"
    said = "Gagey sagte, 2016 sollten fünf Flugzeuge abgezogen werden, 2017 dann weitere neun."
    assert [s.text for s in answers(asked_in(count), said, "de", count)] == ["fünf", "neun"]  # years are no counts
    when = "Seit wann ist die ISS ständig bemannt?"
    assert [s.text for s in answers(asked_in(when), "Seit November 2000 ist die ISS ständig bemannt.", "de", when)
            ][0] == "Seit November 2000"
    assert answers(asked_in("Why did it fail?"), "It failed in 2020.", "en", "Why did it fail?") == []


def test_a_person_is_named_in_full_when_the_sentence_has_a_full_name():
    question = "Which judge announced the sentence for James Holmes?"
    sentence = ("Richter Carlos Samour verkündete in Centennial bei Denver die Entscheidung der Geschworenen "
                "über eine Strafe für James Holmes.")
    assert [s.text for s in answers(asked_in(question), sentence, "de", question)] == ["Carlos Samour"]
    where = "Where did the judge announce the sentence for James Holmes?"  # places keep single words
    assert [s.text for s in answers(asked_in(where), sentence, "de", where)] == ["Carlos Samour", "Centennial", "Denver"]


def test_a_phrase_tied_to_what_is_asked():
    question = "Wie viele Peitschenhiebe hat Raif Badawi bisher erhalten?"
    sentence = "Bisher musste Badawi Anfang Jänner 50 Hiebe erdulden."
    (fifty,) = answers(asked_in(question), sentence, "de", question)
    assert bound(fifty, sentence, asked_in(question), term_sets(question, "de", ["de"]), "de")  # 50 Hiebe
    by = "Um wie viel unterbot er seine Rekordzeit?"
    said = "Er verbesserte bis zur Ziellinie seine Zeit um 40 Minuten."
    (forty,) = answers(asked_in(by), said, "de", by)
    assert bound(forty, said, asked_in(by), term_sets(by, "de", ["de"]), "de")  # "um" 40 Minuten
    where = "In which city was Gustavo Dudamel born?"
    born = "Dudamel, 1981 in Barquisimeto, Venezuela, geboren, war ein Produkt von El Sistema."
    places = {s.text: bound(s, born, asked_in(where), term_sets(where, "en", ["de"]), "de")
              for s in answers(asked_in(where), born, "de", where)}
    assert places["Barquisimeto"] and not places["El Sistema"]


def test_a_sentence_on_another_year_does_not_answer():
    assert other_year("Auch zu den Philharmonikern, die ihn für das Neujahrskonzert 2017 engagiert haben.",
                      "Who will conduct the New Year's Concert in 2018?")
    assert not other_year("Er dirigiert 2018.", "Who will conduct the New Year's Concert in 2018?")
    assert not other_year("He will conduct it.", "Who will conduct the New Year's Concert in 2018?")


@pytest.mark.parametrize("sentence, unknown", [
    ("Die Höhe des entstandenen Sachschadens ist nach Polizeiangaben noch nicht bekannt.", True),
    ("Während die Todesursache des Popstars weiter unbekannt bleibt, erschien sein Album.", True),
    ("Wann die Wahl stattfindet, ist noch offen.", True),
    ("The terms of the deal were not disclosed.", True),
    ("Причина аварии пока неизвестна.", True),
    ("Se desconoce el número de víctimas.", True),
    ("事故原因目前还不清楚。", True),
    ("لم يتضح بعد سبب الحادث.", True),
    ("Er ist offen für Gespräche.", False),
    ("Die Konferenz fand in Hanoi statt.", False),
])
def test_sentences_that_say_a_fact_is_not_known(sentence, unknown):
    assert says_unknown(sentence) is unknown


def answered(question: str, sentence: str, language: str) -> list[str]:
    """The phrases of ``sentence`` that could answer ``question``, as written."""
    return [s.text for s in answers(asked_in(question), sentence, language, question)]


def test_the_place_a_report_opens_with_answers_nothing():
    question = "Which charity receives the money raised by the auction?"
    lead = "Omaha - Der versteigerte Power Lunch mit Investor Warren Buffett hat einen Abnehmer gefunden."
    assert answered(question, lead, "de") == ["Warren Buffett"]
    where = "Who won the race?"
    opening = "St. Georgen im Attergau – Der Steirer Christoph Strasser erreichte als Sieger das Ziel."
    assert answered(where, opening, "de") == ["Christoph Strasser"]


def test_an_age_answers_only_a_question_asking_for_one():
    sentence = "Das erste Nickerchen gönnte sich der 32-Jährige nach 36 Stunden."
    by = "Um wie viel unterbot er seine Rekordzeit?"
    assert answered(by, sentence, "de") == ["36 Stunden"]
    old = "Wie alt ist der Sieger?"
    assert answered(old, sentence, "de")[0] == "32"
    grammys = "How many Grammys has Lady Gaga won?"  # a count joined to its noun is no age
    assert answered(grammys, "Die sechs-malige Grammy-Gewinnerin sang.", "de") == ["sechs"]


def test_a_date_as_precise_as_the_question_asks():
    question = "By what date at the latest could his appointment become official?"
    sentence = "Im September dementierte er noch; am 17. Dezember könnte es offiziell werden."
    assert answered(question, sentence, "de") == ["17. Dezember"]
    year = "In welchem Jahr trafen sie sich zum ersten Mal?"
    assert answered(year, "Im März 2013 trafen sie sich.", "de") == ["März 2013"]
    assert answered(year, "Im März trafen sie sich.", "de") == []


def test_a_length_is_told_from_a_count():
    (count,) = find("The team put 12 jellyfish into a round tank.", "en")
    assert not measured(count)
    said = "They were an average 3.6 centimeters (1.4 inch) from the wall, 110 миль в час."
    assert [measured(s) for s in find(said, "en")] == [True, True, True]
    screen = "The 7.4 inches screen reaches a peak brightness of 1,000 nits, at 40 kg."
    assert [s.text for s in find(screen, "en") if measured(s, "brightness")] == ["1,000 nits"]
    assert [s.text for s in find(screen, "en") if measured(s, "length")] == ["7.4 inches"]
    assert [s.text for s in find(screen, "en") if measured(s, "weight")] == ["40 kg"]


def test_a_year_like_number_before_its_noun_is_a_count():
    question = "¿Cuántos invitados asistieron a la cena?"
    sentence = "La inauguración se celebró con una gran cena a la que asistieron 2000 invitados."
    assert answered(question, sentence, "es") == ["2000"]
    assert answered(question, "La cena se celebró en 2000 en Newcastle.", "es") == []


def test_a_number_closing_a_name_is_no_amount():
    question = "Aus wie vielen Levels besteht das Spiel?"
    sentence = "Prospekt ist im von Half-Life 2 bekannten Gefängnis angesiedelt. Das Spiel umfasst 13 Levels."
    assert answered(question, sentence, "de") == ["13"]
    died = "Wie viele Menschen wurden festgenommen?"  # a weekday is no name
    assert answered(died, "Am Dienstag 13 Personen.", "de") == ["13"]


def test_a_date_answers_how_long_as_its_start_or_end():
    question = "How long has he been posting on YouTube?"
    sentence = "In 2016, the Fine Brothers tried it. Douglass has made content on YouTube since 2006."
    assert answered(question, sentence, "en") == ["since 2006"]
    until = "Wie lange nutzten die Hugenotten französische Namen?"
    said = "Sie nutzten Namen bis weit ins 19. Jahrhundert hinein; 1700 kamen viele nach Virginia."
    assert answered(until, said, "de") == ["19. Jahrhundert"]
    left = "Wie viel Zeit verblieb im Spiel?"  # a clock's minutes and seconds are a length of time
    said = "Denver erhielt eine 24-10 Führung mit 3:08 verbleibenden Minuten."
    assert answered(left, said, "de") == ["3:08"]
    since = "Seit wann ist die ISS bemannt?"  # "since when" is answered by a date
    assert answered(since, "Die ISS ist im Jahr 2000 bezogen worden.", "de") == ["2000"]


@pytest.mark.parametrize("sentence, number", [
    ("Bis 4. September braucht Stenzel 50 Unterstützungserklärungen von Anrainern.", "50"),  # the name is the subject
    ("Nachdem US-Behörden 14 Personen verhaftet haben, trat er zurück.", "14"),
    ("Dann verkündet er die Regierung Nummer 65 in der Geschichte der Republik.", "65"),
])
def test_a_number_after_a_capitalised_word_still_counts(sentence, number):
    question = "Wie viele sind es?"
    assert number in answered(question, sentence, "de")


def test_the_class_a_question_asks_about_is_no_name_of_the_question():
    question = "Welche Bärin hatte im Trentino einen Pilzsammler verletzt?"
    sentence = "Die Bärin Daniza, die im August im Trentino einen Schwammerlsucher angegriffen hatte, starb."
    assert answered(question, sentence, "de") == ["Bärin Daniza"]
