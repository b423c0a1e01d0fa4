"""Metadata filters (source, language, category, date range): parsed once into ``Filter``, which
renders itself as a Chroma ``where`` clause (``where``) and is applied as a mask over the BM25
index's fields (``app.store.catalogue``), so both mean the same: listed values are alternatives,
dates are inclusive days, and a passage without a publish date fails any date bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import numpy as np

from app.errors import NewsQAError

KNOWN = ("source", "language", "category", "since", "until")
TEXT_FIELDS = ("source", "language", "category")
NO_DATE = np.iinfo(np.int64).min  # published_ts of a passage whose article has no date


def day_bound(value, end: bool) -> int:
    if isinstance(value, datetime):
        moment = value
    else:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        moment = datetime.combine(day, time.max if end else time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


@dataclass(frozen=True)
class Filter:
    values: dict[str, tuple[str, ...]]  # text field -> accepted values
    since: int | None  # publish-time bounds in seconds, inclusive
    until: int | None

    def where(self) -> dict | None:
        clauses = [{key: {"$in": list(v)}} if len(v) > 1 else {key: v[0]} for key, v in self.values.items()]
        if self.since is not None:
            clauses.append({"published_ts": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"published_ts": {"$lte": self.until}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def parse(filters: dict | None) -> Filter | None:
    """``{"source": "BelTA", "since": "2025-10-01"}`` -> a ``Filter`` (None: nothing to filter)."""
    if not filters:
        return None
    unknown = set(filters) - set(KNOWN)
    if unknown:
        raise NewsQAError(f"Unknown filter(s) {sorted(unknown)}: use {', '.join(KNOWN)}.")
    values = {}
    for key in TEXT_FIELDS:
        value = filters.get(key)
        if value:
            values[key] = (value,) if isinstance(value, str) else tuple(value)
    try:
        since = day_bound(filters["since"], end=False) if filters.get("since") else None
        until = day_bound(filters["until"], end=True) if filters.get("until") else None
    except ValueError as err:
        raise NewsQAError(f"Unreadable date in filters ({err}): use YYYY-MM-DD.") from None
    if not values and since is None and until is None:
        return None
    return Filter(values, since, until)


def to_where(filters: dict | None) -> dict | None:
    """The Chroma where clause of ``filters`` (None: no filter)."""
    parsed = parse(filters)
    return parsed.where() if parsed else None
