"""One writer per local store: an advisory lock on ``<store>/write.lock``.

Embedded Chroma is not safe for two writing processes, so every write (ingest, sync, remove,
the web chat's library) holds this lock. The kernel drops it when its process ends, however it
ends (SIGKILL included), so a crashed ingest never leaves a stale lock behind. Readers take no
lock. Within one process the lock is re-entrant and shared by all threads in turn.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from app.errors import NewsQAError

POLL_S = 0.2
LOCK_FILE = "write.lock"
_locks: dict[Path, "WriteLock"] = {}
_locks_guard = threading.Lock()


def write_lock(folder: Path) -> "WriteLock":
    """The one lock object of this process for the store folder (a second object would make
    the process conflict with itself: flock locks belong to open files)."""
    folder = Path(folder)
    key = folder.resolve()
    with _locks_guard:
        if key not in _locks:
            _locks[key] = WriteLock(key / LOCK_FILE, str(folder))
        return _locks[key]


class StoreBusyError(NewsQAError):
    """Another process is writing to the store."""


class WriteLock:
    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def hold(self, wait: float = 0.0):
        """Hold the lock for the block. ``wait``: seconds to wait for another writer (0: fail at
        once, ``math.inf``: until it finishes); then ``StoreBusyError`` names the holder."""
        deadline = time.monotonic() + wait
        if not self._thread_lock.acquire(timeout=-1 if math.isinf(wait) else max(wait, 0.0)):
            raise StoreBusyError(self._busy_message("another thread of this process"))
        try:
            if self._depth == 0:
                self._acquire_file(deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release_file()
        finally:
            self._thread_lock.release()

    def _acquire_file(self, deadline: float) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    os.close(fd)
                    raise StoreBusyError(self._busy_message(holder)) from None
                time.sleep(POLL_S)
        info = {"pid": os.getpid(), "command": " ".join(_command()),
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd

    def _release_file(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str:
        """Who holds the lock, as written by the holder (best effort)."""
        try:
            info = json.loads(self.path.read_text("utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not info:
            return "another process"
        return f"process {info.get('pid')} ('{info.get('command', '?')}', since {info.get('since', '?')})"

    def _busy_message(self, holder: str) -> str:
        return (f"The store {self.label} is being written by {holder}. Wait for it to finish, "
                f"or rerun with --wait (NEWSQA_WRITE_WAIT=SECONDS) to queue behind it.")


def _command() -> list[str]:
    argv = [Path(sys.argv[0]).name, *sys.argv[1:3]] if sys.argv and sys.argv[0] else ["python"]
    return argv
