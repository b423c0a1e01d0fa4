"""The web chat's queue for questions: ``concurrency`` answered at once, ``queue_size`` waiting, and
anyone beyond that told at once, in the chat, that newsqa is busy.

Gradio's own bound (``queue(max_size=)``) refuses the extra request with HTTP 503 before any of our
code runs: the page shows a generic toast ("This application is currently busy. Please try again.")
and gradio_client raises ``QueueError("Queue is full! Please try again.")``. Nothing reaches the
chat and the number of waiting questions is lost. So the question handlers run with no Gradio
concurrency limit and wait here instead, where a refusal is an ordinary message (``BusyError``).
Gradio's bound stays as a backstop above ours, for the library actions and for a burst of arrivals
that have not reached a handler yet (``gradio_room``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import TypeVar

from app.config import Settings
from app.errors import NewsQAError

T = TypeVar("T")
HEADROOM = 16  # Gradio job slots beyond the questions': library actions, arrivals being turned away


class BusyError(NewsQAError):
    """Every answering slot is taken and the waiting room is full."""

    def __init__(self, waiting: int):
        questions = "1 question is" if waiting == 1 else f"{waiting} questions are"
        super().__init__(f"newsqa is busy: {questions} waiting; try again in a minute.")


class Gate:
    """Slots for answering, with a bounded waiting room in front of them (first come, first served).
    Used from the server's event loop only, so the counts need no lock."""

    def __init__(self, concurrency: int, queue_size: int):
        self._slots = asyncio.Semaphore(concurrency)
        self.queue_size = queue_size
        self.waiting = 0

    @asynccontextmanager
    async def turn(self):
        """Hold a slot for the body; raises ``BusyError`` at once when the waiting room is full."""
        if self._slots.locked() and self.waiting >= self.queue_size:
            raise BusyError(self.waiting)
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


async def in_thread(fn: Callable[..., T], *args) -> T:
    """``fn(*args)`` in a worker thread, leaving the event loop free."""
    import anyio

    return await anyio.to_thread.run_sync(fn, *args)


async def in_threads(items: Iterator[T]) -> AsyncIterator[T]:
    """A blocking iterator's items, each step taken in a worker thread."""
    done = object()
    try:
        while (item := await in_thread(next, items, done)) is not done:
            yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def gradio_room(settings: Settings) -> int:
    """Gradio's job slots and queue bound: above the questions' own limits, so that only the gate
    turns a question away, and at least Gradio's default of 40 threads."""
    return max(40, settings.concurrency + settings.queue_size + HEADROOM)
