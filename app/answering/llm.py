"""LangChain chat models for the optional LLM answerer, chosen by one setting (``NEWSQA_LLM``).

- ``extractive`` (default): no model; answers are the retrieved sentences themselves.
- ``openai:MODEL``: any OpenAI-compatible server (vLLM, llama.cpp's server, LM Studio, OpenAI) at
  ``NEWSQA_OPENAI_BASE_URL``.
- ``ollama:MODEL``: a local Ollama server (``pip install langchain-ollama``).
- ``llamacpp:/path/model.gguf``: a GGUF model served by llama-cpp-python's server, which newsqa
  starts on a free loopback port.

Models are built on first use, never at import.
"""

from __future__ import annotations

import atexit
import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from langchain_core.language_models.chat_models import BaseChatModel

from app.config import Settings
from app.errors import ConfigError

EXTRACTIVE = "extractive"


class LlamaCppServer:
    """llama-cpp-python's OpenAI-compatible server for one GGUF file, started on a free loopback
    port on first use and stopped when this process exits. A separate process keeps a crash in
    native code (or a clash of its libraries with the embedders') out of the app."""

    def __init__(self, model_path: str, threads: int = 2, ctx: int = 4096) -> None:
        self.model_path, self.threads, self.ctx = model_path, threads, ctx
        self.proc: subprocess.Popen | None = None
        self.base_url = ""

    def start(self, wait: float = 120.0) -> str:
        if self.proc is not None and self.proc.poll() is None:
            return self.base_url
        if not Path(self.model_path).is_file():
            raise ConfigError(f"NEWSQA_LLM=llamacpp:{self.model_path}: no such file; give the path of a .gguf model.")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError("NEWSQA_LLM=llamacpp:... needs llama-cpp-python[server]: pip install 'llama-cpp-python[server]'")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", self.model_path, "--model_alias", "local",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(self.ctx), "--n_threads", str(self.threads)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.stop)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ConfigError(f"llama_cpp.server stopped at start ({self.proc.returncode}) for {self.model_path}.")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=1).status_code == 200:
                    return self.base_url
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise ConfigError(f"llama_cpp.server did not answer within {wait:.0f} s for {self.model_path}.")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model ``settings.llm`` names, or None for the extractive answerer."""
    spec = (settings.llm or EXTRACTIVE).strip()
    if spec == EXTRACTIVE:
        return None
    kind, _, name = spec.partition(":")
    if not name:
        raise ConfigError(f"NEWSQA_LLM={spec!r} names no model: use {EXTRACTIVE}, openai:MODEL, ollama:MODEL "
                          "or llamacpp:/path/model.gguf.")
    common = {"temperature": settings.llm_temperature}
    if kind in ("openai", "llamacpp"):
        from langchain_openai import ChatOpenAI

        base_url = settings.openai_base_url
        if kind == "llamacpp":
            base_url, name = LlamaCppServer(name).start(), "local"
        return ChatOpenAI(model=name, base_url=base_url, api_key=settings.openai_api_key,
                          max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout, max_retries=0,
                          **common)
    if kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise ConfigError("NEWSQA_LLM=ollama:... needs langchain-ollama: pip install langchain-ollama") from None
        return ChatOllama(model=name, num_predict=settings.llm_max_tokens, **common)
    raise ConfigError(f"NEWSQA_LLM={spec!r}: unknown kind {kind!r}; use {EXTRACTIVE}, openai:, ollama: or llamacpp:.")
