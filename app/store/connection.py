"""How the store reaches Chroma: an embedded database in a local folder, or a Chroma server.

Both connections offer the same small interface to ``NewsStore``: ``client``, ``epoch`` and
``refresh()`` (reload a stale view), ``wrote()`` and ``generation()`` (a token that changes with
every write, so readers know when their BM25 index is out of date), and ``pending()`` /
``set_pending()`` (a write is under way or was cut short).

Local folder:

Embedded Chroma keeps each collection's vector index in memory once loaded, and a process does
not see what another process adds to it later (its ``count()`` and ``get()`` do, its ``query()``
does not). So every write bumps ``<store>/generation``, and a reading process whose loaded view is
older reopens its client: at most every ``REFRESH_S`` seconds, ~0.2 s on the 609-article
MultiHop-RAG store. The old client is stopped ``GRACE_S`` later, when no query can still be
using it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from app.store.chroma_fixes import forget_shared_system

GENERATION = "generation"
PENDING = "lexical.pending"
STATE = "newsqa_state"  # server mode: a collection whose metadata holds the generation and pending flag
IN_FLIGHT = "writing-"  # server mode: state records of the articles each writer is writing now
CHANGE = "lexical-change-"  # server mode: state record n lists the articles the n-th logged change wrote or removed
REFRESH_S = 2.0
GRACE_S = 30.0

log = logging.getLogger(__name__)
_local: dict[Path, "LocalChroma"] = {}
_local_lock = threading.Lock()


def local_chroma(path: Path) -> "LocalChroma":
    """The one embedded Chroma connection of this process for the store folder ``path``."""
    path = Path(path).resolve()
    with _local_lock:
        if path not in _local:
            _local[path] = LocalChroma(path)
        return _local[path]


class LocalChroma:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.epoch = 0  # bumped on every reopen: holders of collection handles fetch new ones
        self._lock = threading.Lock()
        self._marker = path / GENERATION
        self._seen = self._generation()
        self._checked = time.monotonic()
        self.client = self._open()

    def _open(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.PersistentClient(path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False))

    def _generation(self) -> str:
        try:
            return self._marker.read_text("ascii")
        except OSError:
            return ""

    def generation(self) -> str:
        return self._generation()

    def pending(self) -> bool:
        return (self.path / PENDING).exists()

    def set_pending(self, pending: bool) -> None:
        if pending:
            (self.path / PENDING).touch()
        else:
            (self.path / PENDING).unlink(missing_ok=True)

    def wrote(self) -> None:
        """Record a write of this process, so other processes reload and this one does not."""
        value = f"{time.time_ns()}-{os.getpid()}"
        tmp = self._marker.with_name(f"{GENERATION}.{os.getpid()}.tmp")
        tmp.write_text(value, "ascii")
        tmp.replace(self._marker)
        self._seen = value

    @contextmanager
    def in_flight(self, articles: list[str]):
        """A write of these articles is under way (local mode: the write lock already says so)."""
        yield

    def in_flight_ids(self) -> set[str]:
        return set()

    def refresh(self) -> None:
        """Reopen the client when another process wrote since it was opened (checked at most
        every ``REFRESH_S``)."""
        now = time.monotonic()
        if now - self._checked < REFRESH_S:
            return
        self._checked = now
        current = self._generation()
        if current == self._seen:
            return
        with self._lock:
            if current == self._seen:
                return
            try:
                self._reopen()
            except Exception as err:  # a half-written index: keep the old view, retry next time
                log.warning("could not reload the store %s yet (%s); answering from the loaded view", self.path, err)
                return
            self._seen = current

    def reload(self) -> None:
        """Reopen now: a read found rows this process's loaded index does not hold yet."""
        with self._lock:
            current = self._generation()
            self._reopen()
            self._seen = current
            self._checked = time.monotonic()

    def _reopen(self) -> None:
        old = forget_shared_system(str(self.path))
        self.client = self._open()
        self.epoch += 1
        if old is not None:
            timer = threading.Timer(GRACE_S, old.stop)
            timer.daemon = True
            timer.start()


class RemoteChroma:
    """A Chroma server (``chroma run``) shared by many processes. The server always answers from
    its current data, so nothing is reloaded; the generation and the pending flag live in the
    metadata of the ``newsqa_state`` collection, read at most every ``REFRESH_S`` seconds."""

    epoch = 0

    def __init__(self, url: str) -> None:
        from urllib.parse import urlsplit

        import chromadb
        from chromadb.config import DEFAULT_DATABASE
        from chromadb.config import Settings as ChromaSettings

        from app.errors import ConfigError

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"NEWSQA_CHROMA_URL={url!r} is not a server address: write it as http://HOST:PORT.")
        self.url = url
        host, port, ssl = parts.hostname, parts.port or (443 if parts.scheme == "https" else 8000), parts.scheme == "https"
        database = parts.path.strip("/") or DEFAULT_DATABASE  # http://host:port/newsroom: one server, many stores
        settings = ChromaSettings(anonymized_telemetry=False, chroma_api_impl="chromadb.api.fastapi.FastAPI",
                                  chroma_server_host=host, chroma_server_http_port=port,
                                  chroma_server_ssl_enabled=ssl)
        try:
            admin = chromadb.AdminClient(settings)
            try:
                admin.get_database(database)
            except Exception:  # chromadb raises NotFoundError or ValueError, by version
                try:
                    admin.create_database(database)
                except Exception:  # created meanwhile by another process starting (newsqa ingest --shard)
                    admin.get_database(database)
            self.client = chromadb.HttpClient(host=host, port=port, ssl=ssl, database=database,
                                              settings=ChromaSettings(anonymized_telemetry=False))
        except Exception as err:  # connection refused, DNS, TLS: all mean the same to the user
            raise ConfigError(
                f"Cannot reach the Chroma server at {url} ({type(err).__name__}: {err}). Start it with "
                f"'chroma run --path DIR --port {port}', or unset NEWSQA_CHROMA_URL to use a local folder."
            ) from None
        self._state = self.client.get_or_create_collection(STATE, embedding_function=None)
        self._cached: tuple[float, dict] | None = None
        self._changes_seen = 0  # the last logged change this process has seen: the count never goes back

    def refresh(self) -> None:
        pass

    def _meta(self) -> dict:
        """The state's metadata, and in ``lexical_changes`` how many changes are logged (read at
        most every ``REFRESH_S`` seconds)."""
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > REFRESH_S:
            meta = dict(self.client.get_collection(STATE).metadata or {})
            meta["lexical_changes"] = self._logged_from(int(meta.get("lexical_changes", 0)))
            self._cached = (now, meta)
        return self._cached[1]

    def _logged_from(self, hint: int) -> int:
        """The last logged change: the records after ``hint`` (the count a writer last set, which
        a writer logging at the same time may not have raised yet) are looked for in runs."""
        number = max(hint, self._changes_seen)
        while True:
            ahead = [f"{CHANGE}{n}" for n in range(number + 1, number + 21)]
            found = set(self._state.get(ids=ahead, include=[])["ids"])
            run = next((i for i, key in enumerate(ahead) if key not in found), len(ahead))
            number += run
            if run < len(ahead):
                self._changes_seen = number
                return number

    def _set(self, **values) -> None:
        state = self.client.get_collection(STATE)
        state.modify(metadata={**(state.metadata or {}), **values})
        self._cached = None

    def generation(self) -> str:
        """Changes with every write and every logged change: concurrent writers each rewrite the
        whole metadata, so one's generation can be lost, never its logged change."""
        meta = self._meta()
        return f"{meta.get('generation', '')}/{meta['lexical_changes']}"

    def pending(self) -> bool:
        return bool(self._meta().get("pending"))

    def set_pending(self, pending: bool) -> None:
        self._set(pending=pending)

    def wrote(self) -> None:
        self._set(generation=f"{time.time_ns()}-{os.getpid()}")

    def changes_logged(self) -> int:
        """How many changes of the lexical index the writers have logged (``log_change``)."""
        self._cached = None
        return int(self._meta()["lexical_changes"])

    def log_change(self, articles: list[str]) -> int:
        """Log that these articles were written or removed; returns the change's number. Writers
        may log at once (``newsqa ingest --shard``): each adds its record under the next free
        number (Chroma keeps the first row added under an id), reads it back, and tries the next
        number if another writer's record is there. Numbers stay gap-free."""
        token = uuid.uuid4().hex
        number = self.changes_logged() + 1
        while True:
            key = f"{CHANGE}{number}"
            self._state.add(ids=[key], documents=[json.dumps({"writer": token, "articles": articles})],
                            embeddings=[[1.0]])
            record = json.loads(self.get_state(key) or "null")
            if isinstance(record, dict) and record.get("writer") == token:
                break
            number += 1
        self._changes_seen = max(self._changes_seen, number)
        self._set(lexical_changes=max(number, int(self._meta()["lexical_changes"])))  # a hint for readers
        return number

    def change(self, number: int) -> list[str] | None:
        text = self.get_state(f"{CHANGE}{number}")
        if text is None:
            return None
        record = json.loads(text)
        return record["articles"] if isinstance(record, dict) else record  # a bare list: logged by older versions

    @contextmanager
    def in_flight(self, articles: list[str]):
        """Record, for the block, that this process is writing these articles: their passages
        are then stored before their article rows, and another writer's ``repair`` must not take
        them for what a crashed write left (``in_flight_ids``). A crashed writer's record stays,
        and its articles are repaired when they are written again."""
        key = f"{IN_FLIGHT}{uuid.uuid4().hex}"
        self._state.upsert(ids=[key], documents=[json.dumps(articles)], embeddings=[[1.0]],
                           metadatas=[{"kind": "in-flight"}])
        try:
            yield
        finally:
            self._state.delete(ids=[key])

    def in_flight_ids(self) -> set[str]:
        """The articles other processes are writing now (``in_flight``)."""
        got = self._state.get(where={"kind": "in-flight"}, include=["documents"])
        return {article for text in got["documents"] for article in json.loads(text)}

    def get_state(self, key: str) -> str | None:
        got = self._state.get(ids=[key], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def put_state(self, key: str, text: str) -> None:
        self._state.upsert(ids=[key], documents=[text], embeddings=[[1.0]])
