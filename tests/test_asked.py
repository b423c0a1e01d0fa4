"""What a question asks for (app/answering/asked.py), in each language the questions come in."""

import pytest

from app.answering.asked import asked_in
from app.answering.spans import Kind


@pytest.mark.parametrize("question, kind", [
    ("Which decree authorised the signing?", Kind.DOCUMENT),
    ("What executive order did the president sign?", Kind.DOCUMENT),
    ("Welcher Erlass erlaubte die Unterzeichnung?", Kind.DOCUMENT),
    ("How many countries have signed the convention?", Kind.COUNT),
    ("Wie viele Länder haben unterschrieben?", Kind.COUNT),
    ("Aus wie vielen Levels besteht das Spiel?", Kind.COUNT),
    ("Сколько раз Леди Гага получала Грэмми?", Kind.COUNT),
    ("¿Cuántos Grammys ha ganado Lady Gaga?", Kind.COUNT),
    ("كم جائزة غرامي فازت بها ليدي غاغا؟", Kind.COUNT),
    ("Lady Gaga赢得了多少次格莱美奖？", Kind.COUNT),
    ("Um wie viel unterbot er seine Rekordzeit?", Kind.NUMBER),
    ("How big was the overspend?", Kind.NUMBER),
    ("Wie viel Preisgeld bekam Christoph Strasser?", Kind.MONEY),
    ("Wie hoch ist das Jahresgehalt des Verteidigers?", Kind.MONEY),
    ("How much did Activision Blizzard make in 2022?", Kind.MONEY),
    ("What percentage of the vote did he get?", Kind.PERCENT),
    ("How long has Jacksfilms been posting on YouTube?", Kind.DURATION),
    ("Seit wann ist die ISS bemannt?", Kind.DURATION),
    ("When was the decree issued?", Kind.DATE),
    ("In welchem Jahr trafen sie sich zum ersten Mal?", Kind.DATE),
    ("Когда был подписан указ?", Kind.DATE),
    ("Who led the delegation to Vietnam?", Kind.PERSON),
    ("Wer ist Vietnams Minister für öffentliche Sicherheit?", Kind.PERSON),
    ("Which judge announced the sentence?", Kind.PERSON),
    ("¿Quién firmó la convención?", Kind.PERSON),
    ("谁签署了公约？", Kind.PERSON),
    ("Which German Catholic aid agency campaigned for his release?", Kind.ORGANISATION),
    ("In which city was the conductor born?", Kind.PLACE),
    ("Where did the conference take place?", Kind.PLACE),
    ("Welche Blutgruppe braucht ein Spender?", Kind.NAME),
    ("What was the name of the first Russian ISS module?", Kind.NAME),
    ("Wie heißt der neue Trainer?", Kind.NAME),
    ("Von wie vielen Tigern war man ausgegangen?", Kind.COUNT),
    ("How much time was left in the game?", Kind.DURATION),
    ("كم دام القتال في حرب السنوات السبع؟", Kind.DURATION),
    ("What is the yearly price of the drug?", Kind.MONEY),
    ("What were Converse's sales in the first quarter?", Kind.MONEY),
    ("How small is the manufacturing node of the chip?", Kind.NUMBER),
])
def test_the_question_word_names_the_kind_of_answer(question, kind):
    assert asked_in(question).kind is kind


@pytest.mark.parametrize("question", [
    "What could Belarusian companies supply to Vietnam?",  # "what" is the object, "companies" the subject
    "What does Doctor Who do when his body is mortally damaged?",  # a name, and a "when" that is no question word
    "When many people are arrested, what is a common tactic?",  # the main clause asks
    "Why did the talks fail?",
    "Did the Verge and TechCrunch both report the trial?",
    "What cause of death did the autopsy establish?",
    "Что делает Доктор Кто, когда его тело смертельно повреждено?",  # "когда" opens a clause
    "Между какими двумя улицами когда-то жили богатые семьи?",  # "когда-то" is "once"
    "Как называется этот набор выражений?",  # a term as often as a name
])
def test_questions_whose_wording_names_no_kind(question):
    assert asked_in(question).kind is None


def test_the_preposition_before_the_question_word_is_kept():
    assert asked_in("Um wie viel unterbot er seine Rekordzeit?").preposition == "um"
    assert asked_in("In which city was the conductor born?").preposition == "in"
    assert asked_in("Who won?").preposition == ""


def test_names_are_visible_only_where_capitals_mark_them():
    who = asked_in("Who signed it?")
    assert who.visible_in("Iwan Kubrakow hat unterzeichnet.", "de")
    assert not who.visible_in("伊万·库布拉科夫签署了公约。", "zh")
    assert not who.visible_in("وقع إيفان كوبراكوف الاتفاقية.", "ar")
    assert asked_in("How many signed it?").visible_in("签署了公约。", "zh")  # numbers are seen everywhere


@pytest.mark.parametrize("question, precision", [
    ("By what date at the latest could the appointment become official?", "day"),
    ("Ab welchem Datum soll die Obergrenze gelten?", "day"),
    ("In welchem Jahr sind sie sich begegnet?", "year"),
    ("In which month did the store open?", "month"),
    ("他哪一年出生？", "year"),
    ("When was the blogger arrested?", ""),
])
def test_a_date_question_says_how_precise_a_date_it_wants(question, precision):
    assert asked_in(question).precision == precision


def test_ages_and_measures_are_asked_by_their_own_words():
    assert asked_in("How old is the new coach?").age and not asked_in("How many coaches were fired?").age
    assert asked_in("¿Cuántos años tenía John Elway cuando ganó?").age
    assert asked_in("How far from the wall did the jellyfish keep?").measure == "length"
    assert asked_in("Wie schwer ist der Bär?").measure == "weight"
    assert asked_in("Wie hell kann der Bildschirm maximal werden?").measure == "brightness"
    assert asked_in("How fast can the train go?").measure == "speed"
    assert not asked_in("How big was the overspend?").measure  # an amount as much as a size
