"""Parse log timestamps to UTC epoch milliseconds, fast and forgiving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def iso_to_ms(value: object) -> int | None:
    """'2026-11-07T09:59:33.097Z' (or any ISO 8601 form, or epoch s/ms) → epoch ms."""
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return (dt - _EPOCH) // _MS
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 1000) if value < 10_000_000_000 else int(value)
    return None
