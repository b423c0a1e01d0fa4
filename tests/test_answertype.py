import pytest

from app.answering.answertype import AnswerType, answer_type, holds


@pytest.mark.parametrize("question, kind", [
    ("Which decree authorised the signing?", AnswerType.DOCUMENT),
    ("What executive order did the president sign?", AnswerType.DOCUMENT),
    ("Welcher Erlass erlaubte die Unterzeichnung?", AnswerType.DOCUMENT),
    ("How many countries have signed the convention?", AnswerType.NUMBER),
    ("Wie viele Länder haben unterschrieben?", AnswerType.NUMBER),
    ("Who led the delegation?", None),
    ("When did Belarus sign the convention?", None),  # dates are not typed: it hurt on dev data
])
def test_answer_type_of_question(question, kind):
    assert answer_type(question) is kind


@pytest.mark.parametrize("sentence, expected", [
    ("Auf Erlass des belarussischen Präsidenten Nr. 326 vom 9. September 2025 hat er Befugnisse erhalten.", True),
    ("President Biden signed Executive Order 14110 on Monday.", True),
    ("The parliament passed Law No. 5/2020 last year.", True),
    ("Der Erlass wurde gestern veröffentlicht.", False),  # a decree, but not one named by its number
    ("Das Dokument wurde von mehr als 100 Ländern unterzeichnet.", False),
])
def test_document_sentences_name_a_numbered_document(sentence, expected):
    assert holds(AnswerType.DOCUMENT, sentence) is expected


def test_number_sentences():
    assert holds(AnswerType.NUMBER, "more than a hundred countries signed")
    assert holds(AnswerType.NUMBER, "mehr als 100 Länder")
    assert not holds(AnswerType.NUMBER, "In Hanoi fand eine Konferenz statt.")


@pytest.mark.parametrize("question, sentence", [
    ("Сколько раз Леди Гага получала Грэмми?", "Шестикратный обладатель Грэмми Леди Гага исполнила гимн."),
    ("¿Cuántos Grammys ha ganado Lady Gaga?", "La seis veces ganadora del Grammy Lady Gaga cantó el himno."),
    ("كم جائزة غرامي فازت بها ليدي غاغا؟", "أدّت الفائزة ستة مرات بجائزة غرامي ليدي غاغا النشيد الوطني."),
    ("Lady Gaga赢得了多少次格莱美奖？", "六届格莱美奖得主Lady Gaga演唱了国歌。"),
])
def test_numbers_asked_and_written_as_words_in_each_language(question, sentence):
    assert answer_type(question) is AnswerType.NUMBER
    assert holds(AnswerType.NUMBER, sentence)


@pytest.mark.parametrize("sentence", ["Семья переехала в столицу.", "ستكون الحكومة مسؤولة.", "El Gobierno dijo que no."])
def test_words_that_only_look_like_numerals_are_not_numbers(sentence):
    assert not holds(AnswerType.NUMBER, sentence)
