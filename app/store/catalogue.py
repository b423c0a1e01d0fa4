"""The filter fields of the indexed passages (outlet, language, category, publish time) as
arrays aligned with the BM25 index, so that a filter is a boolean mask and never a filtered
Chroma query."""

from __future__ import annotations

import numpy as np

from app.store.filters import NO_DATE, TEXT_FIELDS, parse


def fields_of(metas: list[dict]) -> dict[str, list]:
    """Per-passage value lists of row metadata: each of TEXT_FIELDS, and published_ts (None: no date)."""
    fields: dict[str, list] = {key: [str(meta.get(key) or "") for meta in metas] for key in TEXT_FIELDS}
    fields["published_ts"] = [int(m["published_ts"]) if isinstance(m.get("published_ts"), (int, float)) else None
                              for m in metas]
    return fields


class Catalogue:
    """The filter fields of every indexed passage, as arrays aligned with the index's ids:
    a code per text field (into a sorted vocabulary) and the publish time in seconds."""

    def __init__(self, vocab: dict[str, list[str]], columns: dict[str, np.ndarray]) -> None:
        self.vocab = vocab
        self.columns = columns
        self._codes = {key: {value: code for code, value in enumerate(words)} for key, words in vocab.items()}

    @classmethod
    def from_metadata(cls, metas: list[dict]) -> "Catalogue":
        return cls.from_fields(fields_of(metas), len(metas))

    @classmethod
    def from_fields(cls, fields: dict[str, list], size: int) -> "Catalogue":
        """From per-passage value lists (``fields_of``)."""
        vocab, columns = {}, {}
        for key in TEXT_FIELDS:
            values = fields.get(key) or [""] * size
            vocab[key] = sorted(set(values))
            code = {value: i for i, value in enumerate(vocab[key])}
            columns[key] = np.fromiter((code[v] for v in values), np.int32, len(values))
        stamps = fields.get("published_ts") or [None] * size
        columns["published_ts"] = np.fromiter((NO_DATE if v is None else v for v in stamps), np.int64, len(stamps))
        return cls(vocab, columns)

    def __len__(self) -> int:
        return len(self.columns["published_ts"])

    def mask(self, filters: dict | None) -> np.ndarray | None:
        """Which passages the filters keep (None: no filter); see ``app.store.filters``."""
        parsed = parse(filters)
        if parsed is None:
            return None
        keep = np.ones(len(self), dtype=bool)
        for key, values in parsed.values.items():
            codes = [self._codes[key][v] for v in values if v in self._codes[key]]
            keep &= np.isin(self.columns[key], np.asarray(codes, np.int32))
        stamps = self.columns["published_ts"]
        if parsed.since is not None:
            keep &= stamps >= parsed.since
        if parsed.until is not None:
            keep &= (stamps <= parsed.until) & (stamps != NO_DATE)
        return keep

    def value(self, key: str, position: int) -> str:
        """One passage's value of a text field."""
        return self.vocab[key][int(self.columns[key][position])]
