"""Reading fields out of undocumented JSON: numbers that may be strings, ISO or epoch times.

Why strict helpers: a changed format must surface as a clear error naming the field, not
as a crash deep in a fetcher or a silently wrong reading.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiusage.errors import SourceFormatError

#: Epoch values above this are milliseconds, below it seconds (year 2286 in seconds).
_MS_THRESHOLD = 10_000_000_000


class BadShape(ValueError):
    """A body that parsed as JSON but is not the shape we know; the text names the field."""


def format_error(where: str, problem: BadShape) -> SourceFormatError:
    """The error for a JSON body of the wrong shape, naming the endpoint and the field."""
    return SourceFormatError(f"{where} answered with an unexpected shape: {problem}")


def number(value: object, path: str) -> float:
    """A JSON number (not a bool) as float, else ``BadShape`` naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadShape(f"{path} is {_kind(value)}, expected a number")
    return float(value)


def numeric(value: object, path: str) -> float:
    """A number, or a string holding one (balances come either way)."""
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            raise BadShape(f"{path} is {_quoted(value)}, expected a number") from None
        if parsed != parsed or parsed in (float("inf"), float("-inf")):
            raise BadShape(f"{path} is {_quoted(value)}, expected a finite number")
        return parsed
    return number(value, path)


def mapping(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadShape(f"{path} is {_kind(value)}, expected an object")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    names |= {int: "a number", float: "a number"}
    return names.get(type(value), f"a {type(value).__name__}")


def _quoted(text: str) -> str:
    """A short string quoted for an error; a long one (it might be a secret) only described."""
    return repr(text) if len(text) <= 16 else f"a string of {len(text)} characters"


def instant_ms(value: object) -> int | None:
    """Epoch milliseconds from an ISO-8601 string (any fraction, ``Z`` or an offset; UTC if
    none) or epoch seconds/milliseconds as a number or numeric string; None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch_ms(float(value))
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return _epoch_ms(float(text))
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(_trim_fraction(text))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round(when.timestamp() * 1000)


def _epoch_ms(value: float) -> int | None:
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        return None
    return round(value if value >= _MS_THRESHOLD else value * 1000)


def _trim_fraction(text: str) -> str:
    """Cut fractions longer than 6 digits (nanoseconds), which fromisoformat refuses."""
    dot = text.find(".", text.find("T") + 1 if "T" in text else 0)
    if dot < 0:
        return text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    if end - dot - 1 <= 6:
        return text
    return text[: dot + 7] + text[end:]
