"""A push batch's rows checked field by field against the schema's columns.

Why by hand rather than a model per row: a batch holds up to 5,000 events and 5,000
readings, and the checks are few (type, range, the column's length), so a table of
field rules is quick and names the exact row and field a client must drop. A row may
not name a user or machine: the server sets them from the token and the batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from aiusage.errors import TeamError
from aiusage.store.statements import TOKEN_COLUMNS

MAX_ROWS = 5000  # per kind and batch (docs/team.md)
MAX_TS_MS = 7_258_118_400_000  # 2200-01-01: a store's dates stop there
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
MAX_META = 16_384
Check = Callable[[Any], Any]  # the clean value, or _Invalid saying why not


class _Invalid(Exception):
    pass


def _text(size: int, required: bool = False) -> Check:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise _Invalid("must be a string")
        if len(value) > size:
            raise _Invalid(f"is longer than {size} characters")
        if required and not value:
            raise _Invalid("must not be empty")
        return _storable(value)

    return check


def _storable(value: str) -> str:
    """Text PostgreSQL can hold: no NUL, no lone surrogate (a row the database refused
    would fail the whole batch with a 5xx, and the member would retry it forever)."""
    if "\x00" in value:
        raise _Invalid("contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Invalid("is not valid Unicode text") from None
    return value


def _count(limit: int) -> Check:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            raise _Invalid(f"must be an integer from 0 to {limit}")
        return value

    return check


def _stamp(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_TS_MS:
        raise _Invalid("must be epoch milliseconds before the year 2200")
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid("must be a number")
    number = float(value)
    if not math.isfinite(number) or abs(number) > 1e15:
        raise _Invalid("must be a finite number")
    return number


def _optional(check: Check) -> Check:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _flag(value: Any) -> Any:
    if isinstance(value, bool | float) or value not in (0, 1):
        raise _Invalid("must be 0 or 1")
    return int(value)


def _meta(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > MAX_META:
        raise _Invalid(f"must be a JSON object as a string of at most {MAX_META} characters")
    _storable(value)
    try:
        decoded = msgspec.json.decode(value)
    except msgspec.DecodeError:
        raise _Invalid("is not JSON") from None
    if not isinstance(decoded, dict):
        raise _Invalid("must be a JSON object")
    return value


_REQUIRED = object()
# column -> (check, default); the lengths are schema.py's.
EVENT_FIELDS: dict[str, tuple[Check, Any]] = {
    "source": (_text(64, required=True), _REQUIRED),
    "dedup_key": (_text(255, required=True), _REQUIRED),
    "ts_ms": (_stamp, _REQUIRED),
    "account": (_text(128), ""),
    "provider": (_text(64), ""),
    "model": (_text(128), ""),
    "project": (_text(512), ""),
    "session": (_text(255), ""),
    **{c: (_count(MAX_BIGINT), 0) for c in (*TOKEN_COLUMNS, "total_tokens")},
    "requests": (_count(MAX_INT), 1),
    "cost_reported_usd": (_optional(_number), None),
    "cost_calc_usd": (_optional(_number), None),
    "group_key": (_text(255), ""),
    "sidechain": (_flag, 0),
    "meta": (_meta, "{}"),
}
OBSERVATION_FIELDS: dict[str, tuple[Check, Any]] = {
    "ts_ms": (_stamp, _REQUIRED),
    "account": (_text(128, required=True), _REQUIRED),
    "metric": (_text(128, required=True), _REQUIRED),
    "window_name": (_text(64), ""),
    "value": (_number, _REQUIRED),
    "limit_value": (_optional(_number), None),
    "unit": (_text(32), ""),
    "resets_at_ms": (_optional(_stamp), None),
    "source": (_text(64), ""),
    "kind": (_text(16), "official"),
    "meta": (_meta, "{}"),
}
BATCH_KEYS = frozenset({"version", "machine", "batch", "events", "observations"})


def _row(
    kind: str, index: int, raw: Any, fields: Mapping[str, tuple[Check, Any]]
) -> dict[str, Any]:
    where = f"{kind}[{index}]"
    if not isinstance(raw, dict):
        raise _refusal(kind, index, f"{where} is not an object")
    if isinstance(raw.get("dedup_key"), str):
        where += f" ({str(raw.get('source'))[:64]}, {raw['dedup_key'][:80]!r})"
    unknown = set(raw) - set(fields)
    if unknown:
        named = ", ".join(sorted(str(k)[:40] for k in unknown)[:5])
        raise _refusal(kind, index, f"{where}: unknown field(s) {named}")
    clean: dict[str, Any] = {}
    for name, (check, default) in fields.items():
        if name not in raw:
            if default is _REQUIRED:
                raise _refusal(kind, index, f"{where}: {name} is missing")
            clean[name] = default
            continue
        try:
            clean[name] = check(raw[name])
        except _Invalid as exc:
            raise _refusal(kind, index, f"{where}: {name} {exc}") from None
    return clean


def _refusal(kind: str, index: int, message: str) -> TeamError:
    return TeamError(
        message,
        "drop that row and send the rest (docs/team.md, push protocol)",
        status=422,
        row={"kind": kind, "index": index},
    )


def parse_batch(body: Any) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(machine, event rows, observation rows) of a decoded push body, every row checked;
    a TeamError (413 too many rows, 422 malformed) otherwise."""
    hint = "send the push protocol's object (docs/team.md)"
    if not isinstance(body, dict):
        raise TeamError("the body is not a JSON object", hint, status=422)
    unknown = set(body) - BATCH_KEYS
    if unknown:
        named = ", ".join(sorted(str(k)[:40] for k in unknown)[:5])
        raise TeamError(f"unknown field(s) in the batch: {named}", hint, status=422)
    if body.get("version") != 1:
        raise TeamError(
            f"push protocol version {str(body.get('version'))[:20]} is not served here",
            "this server speaks version 1; update aiusage on the member's machine",
            status=422,
        )
    machine = body.get("machine", "")
    if not isinstance(machine, str) or len(machine) > 128:
        raise TeamError("machine must be a string of at most 128 characters", hint, status=422)
    if not isinstance(body.get("batch", ""), str) or len(body.get("batch", "")) > 64:
        raise TeamError("batch must be a string of at most 64 characters", hint, status=422)
    parsed: dict[str, list[dict[str, Any]]] = {}
    for kind, fields in (("events", EVENT_FIELDS), ("observations", OBSERVATION_FIELDS)):
        rows = body.get(kind, [])
        if not isinstance(rows, list):
            raise TeamError(f"{kind} must be a list", hint, status=422)
        if len(rows) > MAX_ROWS:
            raise TeamError(
                f"{len(rows)} {kind} in one batch; at most {MAX_ROWS}",
                "send smaller batches",
                status=413,
            )
        parsed[kind] = [_row(kind, i, raw, fields) for i, raw in enumerate(rows)]
    return machine, parsed["events"], parsed["observations"]
