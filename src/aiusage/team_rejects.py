"""Which rows of a pushed batch a team server's 422 names.

Why tolerant: the protocol says a 422 names the malformed row; a server may say it as
``{"row": {"kind": "events", "index": 12}}`` (our server's TeamError), as a list of them,
or in FastAPI's validation shape (``detail[].loc == ["body", "events", 12, "ts_ms"]``).
Only rows named are dropped; a 422 that names none (a protocol mismatch) drops nothing.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from aiusage.store.push_queue import Batch

_KINDS = {
    "events": "events",
    "event": "events",
    "ev": "events",
    "observations": "observations",
    "observation": "observations",
    "obs": "observations",
    "readings": "observations",
}


def rejected_rows(response: httpx.Response, batch: Batch) -> tuple[set[int], set[int]] | None:
    """(event indexes, reading indexes) named by the answer; None when it names no row."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    named: list[tuple[str, int]] = []
    _collect(body, named)
    events = {i for kind, i in named if kind == "events" and 0 <= i < len(batch.events)}
    readings = {
        i for kind, i in named if kind == "observations" and 0 <= i < len(batch.observations)
    }
    return (events, readings) if events or readings else None


def _collect(node: Any, named: list[tuple[str, int]]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, named)
        return
    if not isinstance(node, dict):
        return
    kind, index = _KINDS.get(str(node.get("kind", ""))), node.get("index")
    if kind and isinstance(index, int) and not isinstance(index, bool):
        named.append((kind, index))
    loc = node.get("loc")
    if isinstance(loc, list):
        for key, nxt in pairwise(loc):
            if isinstance(key, str) and key in _KINDS and isinstance(nxt, int):
                named.append((_KINDS[key], nxt))
                break
    for value in node.values():
        if isinstance(value, dict | list):
            _collect(value, named)
