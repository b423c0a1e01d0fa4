"""newsqa query side: ``from app import answer``. Importing loads no model."""

from app.config import Settings, go_offline, load_settings
from app.engine import answer, stream_answer
from app.types import Answer, Citation, Hit

__all__ = ["Answer", "Citation", "Hit", "Settings", "answer", "go_offline", "load_settings", "stream_answer"]
