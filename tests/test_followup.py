from conftest import DECREE
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from app import answer
from app.answering.followup import leans_on_previous, standalone, user_turns
from app.types import Answer

DECREE_Q = "Which decree authorised the signing?"


def test_history_shapes_give_the_earlier_questions():
    messages = [{"role": "user", "content": "A?"}, {"role": "assistant", "content": "x"}]
    assert user_turns(messages) == ["A?"]
    assert user_turns(["A?", ("B?", "b")]) == ["A?", "B?"]
    assert user_turns([Answer(question="C?", answer="", abstained=True)]) == ["C?"]


def test_which_questions_lean_on_the_previous_turn():
    assert leans_on_previous("And who signed it?")
    assert leans_on_previous("Was ist mit Vietnam?")
    assert leans_on_previous("Who was given the power to sign it?")
    assert not leans_on_previous("Where did the high-level UN conference take place?")
    assert standalone("Where is Hanoi?", [DECREE_Q]) == ("Where is Hanoi?", "")
    assert standalone("And who signed it?", []) == ("And who signed it?", "")


def test_follow_up_without_llm_retrieves_about_the_decree(seed_settings):
    alone = answer("And who signed it?", settings=seed_settings)
    assert all(c.sentence != DECREE for c in alone.citations)
    follow = answer("And who signed it?", history=[DECREE_Q], settings=seed_settings)
    assert follow.query == f"{DECREE_Q} And who signed it?"
    assert follow.citations[0].sentence == DECREE  # "... hat Iwan Kubrakow ... erhalten, um ... zu unterzeichnen"


def test_follow_up_with_llm_uses_the_condense_rewrite(seed_settings):
    model = GenericFakeChatModel(messages=iter([
        AIMessage(content="Who received the powers to sign the UN convention against cybercrime for Belarus?"),
        AIMessage(content="Ivan Kubrakov [1]."),
    ]))
    result = answer("And who signed it?", history=[{"role": "user", "content": DECREE_Q}],
                    settings=seed_settings, chat_model=model)
    assert result.query.startswith("Who received the powers to sign")
    assert result.answerer.startswith("llm:") and result.answer == "Ivan Kubrakov. [1]"
    assert any(DECREE in hit.text for hit in result.passages[:3])  # searched with the rewrite


class _Down:
    """A chat model whose server is unreachable."""

    def invoke(self, prompt):
        raise ConnectionError("connection refused")


def test_a_failing_condense_model_leaves_a_note_and_the_rule_takes_over():
    query, note = standalone("And who signed it?", [DECREE_Q], _Down())
    assert query == f"{DECREE_Q} And who signed it?"
    assert "could not rewrite" in note and "ConnectionError: connection refused" in note
