"""newsqa query side: ``from app import answer``. Importing loads no model, and the query engine
(Chroma, LangChain) is imported on first use, so the CLI starts fast."""

from app.config import Settings, go_offline, load_settings
from app.types import Answer, Citation, Hit

__all__ = ["Answer", "Citation", "Hit", "Settings", "answer", "go_offline", "load_settings", "stream_answer"]


def __getattr__(name: str):
    if name in ("answer", "stream_answer"):
        from app.answering import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
