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
