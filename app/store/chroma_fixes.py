"""The workarounds that rely on Chroma's behaviour or private parts, in one place; each is
checked against the installed Chroma by tests/test_chroma_fixes.py, which fails when a release
changes what they rely on.

- A process sees another process's new rows only after reopening its client: Chroma shares one
  ``System`` per folder within a process, so ours is taken out of its private table first.
- Chroma writes its HNSW index to disk only every ``sync_threshold`` rows and has no call to write
  it; a loaded index keeps the threshold it was loaded with (see ``Maintenance.settle``).
- A read racing a reload can fail with ``InternalError``; it is tried again after a reload.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import numpy as np

log = logging.getLogger(__name__)

READ_RETRIES = (0.0, 0.1, 0.2, 0.4, 0.8, 1.6)  # pauses (s) before reads tried again after a reload
SYNC_THRESHOLD = 1000  # Chroma's default: writes its vector index to disk every this many rows


def forget_shared_system(path: str):
    """Take the folder's shared ``System`` out of Chroma's table, so that the next client loads the
    folder afresh; returns the old system (to be stopped once no query uses it)."""
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    with Shared._refcount_lock:
        old = Shared._identifier_to_system.pop(path, None)
        Shared._identifier_to_refcount.pop(path, None)
    return old


def save_vector_index(col) -> None:
    """Write one row's vector again: with the threshold at 1, the write puts the index on disk."""
    got = col.get(limit=1, include=["embeddings"])
    col.update(ids=got["ids"], embeddings=np.asarray(got["embeddings"], np.float32))


def sync_threshold(col) -> int:
    """The collection's write-to-disk threshold."""
    return (col.configuration.get("hnsw") or {}).get("sync_threshold", SYNC_THRESHOLD)


class ChromaFixes:
    """Mixin of ``NewsStore``: reads retried across reloads, the threshold changed, and the check
    that rows are reachable by their own vector."""

    def _fresh_read(self, read):
        """``read()``, again after a reload when another process wrote rows this process's loaded
        vector index does not hold yet (Chroma then fails with "Error finding id"). A reload
        that lands while the writer is putting its vector index on disk can see the files half
        written ("Error getting embedding"): the read is tried again a little later, reloading
        each time, for up to ~3 s (``READ_RETRIES``) before the error is raised."""
        from chromadb.errors import InternalError

        pauses = READ_RETRIES if hasattr(self.chroma, "reload") else ()  # a server keeps its own index
        for pause in (*pauses, None):
            try:
                return read()
            except InternalError as err:
                if pause is None:
                    raise
                log.debug("read of %s failed (%s); reloading", self.label, err)
            time.sleep(pause)
            self.chroma.reload()

    def _set_sync_threshold(self, name: str, rows: int, wait: float = 30.0) -> None:
        """Change a collection's write-to-disk threshold. Readers in other processes can hold
        Chroma's SQLite file for a moment ("database is locked"): retried for up to ``wait`` s."""
        from chromadb.errors import InternalError

        deadline = time.monotonic() + wait
        delay = 0.05
        while True:
            try:
                self._col(name).modify(configuration={"hnsw": {"sync_threshold": rows}})
                return
            except InternalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _not_near_own(self, name: str, got: dict, vectors: np.ndarray, rows: Iterable[int], n: int) -> list[int]:
        """Of ``rows`` (positions in ``got``, which holds ids and documents), those absent from
        their own vector's ``n`` nearest neighbours and not a copy of one found there."""
        rows, missed = list(rows), []
        for start in range(0, len(rows), 100):  # each result id is an SQL variable
            batch = rows[start:start + 100]
            found = self._fresh_read(lambda: self._col(name).query(  # noqa: B023
                query_embeddings=vectors[batch], n_results=n, include=["documents"]))
            missed += [i for i, ids, docs in zip(batch, found["ids"], found["documents"])
                       if got["ids"][i] not in ids and got["documents"][i] not in docs]
        return missed
