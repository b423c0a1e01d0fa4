"""Prompt and message texts live in ``prompts/`` as files with named ``{placeholders}``.
One loader reads them and checks that the caller fills exactly the placeholders a file names."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from app.errors import ConfigError

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@lru_cache(maxsize=None)
def load(name: str) -> tuple[str, frozenset[str]]:
    path = PROMPTS / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ConfigError(f"Prompt file {path} is missing ({err}); restore it from the repository.") from None
    fields = frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)
    return text, fields


def render(name: str, **values) -> str:
    text, fields = load(name)
    if set(values) != fields:
        raise ConfigError(f"Prompt '{name}' needs {sorted(fields)}, was given {sorted(values)}.")
    return text.format(**values)
