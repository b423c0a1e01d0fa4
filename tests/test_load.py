"""Many questions at once through the web chat (the same ``launch`` as ``newsqa serve``): a full
queue turns the extra ones away at once with a busy message, never a hang (app/web/queue.py)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_ui import ask, client, is_decree_answer, serve

QUESTION = "Which decree authorised the signing?"
BOUND = 60  # seconds any request may take here; a hang fails the test instead of stalling it
MESSAGE = "newsqa is busy: 1 question is waiting; try again in a minute."
BUSY = f"⚠️ {MESSAGE}"  # as the chat shows it


@pytest.fixture
def held(monkeypatch):
    """Answers start only once the test sets the returned event (the real answer follows), so the
    slots stay taken while the overflow arrives."""
    import app.web.chat

    release, real = threading.Event(), app.web.chat.stream_answer

    def stream_answer(*args, **kwargs):
        release.wait(BOUND)
        yield from real(*args, **kwargs)

    monkeypatch.setattr(app.web.chat, "stream_answer", stream_answer)
    yield release
    release.set()


def timed(session, url, question=QUESTION):
    started = time.monotonic()
    reply, _, _ = ask(url, question, session=session)
    return reply, time.monotonic() - started


def wait_until(condition, seconds=BOUND):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_overload_gets_a_busy_message_at_once_and_the_rest_are_answered(seed_store, held):
    demo, url = serve(seed_store, concurrency=1, queue_size=1)
    try:
        sessions = [client(url) for _ in range(6)]  # connected first: only the questions race
        with ThreadPoolExecutor(len(sessions)) as pool:
            futures = [pool.submit(timed, s, url) for s in sessions]
            # one is answering (held) and one waits; the other four come back while those are held
            wait_until(lambda: sum(f.done() for f in futures) == 4)
            turned_away = [f.result() for f in futures if f.done()]
            assert [reply for reply, _ in turned_away] == [BUSY] * 4
            assert client(url).predict(QUESTION, api_name="/answer") == {"error": MESSAGE}  # the JSON API too
            held.set()
            results = [f.result(timeout=BOUND) for f in futures]
        answered = [reply for reply, _ in results if reply != BUSY]
        assert len(answered) == 2 and all(map(is_decree_answer, answered))
    finally:
        demo.close()


def test_a_waiting_question_whose_caller_leaves_frees_its_place(seed_store, held):
    demo, url = serve(seed_store, concurrency=1, queue_size=1)
    try:
        args = (QUESTION, [], "", "", [], [], 3, "extractive")
        first = client(url).submit(*args, api_name="/ask")
        wait_until(lambda: first.status().code.name == "PROCESSING")
        leaving = client(url).submit(*args, api_name="/ask")
        wait_until(lambda: leaving.status().code.name == "PROCESSING")  # waiting for the slot
        assert ask(url, QUESTION)[0] == BUSY
        leaving.cancel()
        wait_until(lambda: leaving.done())
        later = client(url).submit(*args, api_name="/ask")  # takes the place that was freed
        held.set()
        for job in (first, later):
            history, *_ = job.result(timeout=BOUND)
            assert is_decree_answer(history[-1]["content"][0]["text"])
    finally:
        demo.close()


def test_eight_sessions_at_once_with_default_settings_all_get_answers(seed_store):
    demo, url = serve(seed_store)

    def session(_):
        me = client(url)
        first, _, _ = ask(url, QUESTION, session=me)
        follow_up, _, _ = ask(url, "And who signed it?", session=me)  # searched with the first question
        return first, follow_up

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(session, range(8), timeout=BOUND))
        assert all(is_decree_answer(first) and is_decree_answer(follow_up) for first, follow_up in results)
    finally:
        demo.close()
