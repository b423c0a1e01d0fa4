"""Metadata filters (source, language, category, date range) as Chroma ``where`` clauses."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from app.errors import NewsQAError

KNOWN = ("source", "language", "category", "since", "until")


def day_bound(value, end: bool) -> int:
    if isinstance(value, datetime):
        moment = value
    else:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        moment = datetime.combine(day, time.max if end else time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def to_where(filters: dict | None) -> dict | None:
    """``{"source": "BelTA", "since": "2025-10-01"}`` -> a Chroma where clause (or None)."""
    if not filters:
        return None
    unknown = set(filters) - set(KNOWN)
    if unknown:
        raise NewsQAError(f"Unknown filter(s) {sorted(unknown)}: use {', '.join(KNOWN)}.")
    clauses = []
    for key in ("source", "language", "category"):
        value = filters.get(key)
        if value:
            values = [value] if isinstance(value, str) else list(value)
            clauses.append({key: {"$in": values}} if len(values) > 1 else {key: values[0]})
    try:
        if filters.get("since"):
            clauses.append({"published_ts": {"$gte": day_bound(filters["since"], end=False)}})
        if filters.get("until"):
            clauses.append({"published_ts": {"$lte": day_bound(filters["until"], end=True)}})
    except ValueError as err:
        raise NewsQAError(f"Unreadable date in filters ({err}): use YYYY-MM-DD.") from None
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
