"""Language identification for articles that do not say their language."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("" for text too short to tell)."""
    sample = text[:2000]
    if len(sample.split()) < 3:
        return ""
    code, _prob = _identifier().classify(sample)
    return code
