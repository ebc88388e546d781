"""A team member's push queue: what was written and is not yet on the team server.

Why a queue of keys, not a copy of the rows: an event may be replaced by a more complete
copy before it is pushed; the push sends the row as it is then. Keys are queued in the
same transaction as the records (Store.write), so a crash, a kill or days offline lose
nothing, and the server's upsert on ``(source, dedup_key)`` makes a re-sent batch count
once. Observations are keyed by what makes them unique: account, metric, window, time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: meta flag: "1" while this store belongs to a team (set by ``aiusage team join``).
OUTBOX_META = "team_outbox"
EVENT, OBSERVATION = "ev", "obs"
QUEUE_FOR_PUSH = (
    "INSERT INTO team_outbox (kind, source, ref) VALUES (:kind, :source, :ref) "
    "ON CONFLICT (kind, source, ref) DO NOTHING"
)


def observation_ref(metric: str, window: str, ts_ms: int) -> str:
    return f"{metric}|{window}|{ts_ms}"


def outbox_rows(
    events: Iterable[Mapping[str, Any]], observations: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    rows = [{"kind": EVENT, "source": e["source"], "ref": e["dedup_key"]} for e in events]
    rows.extend(
        {
            "kind": OBSERVATION,
            "source": o["account"],
            "ref": observation_ref(o["metric"], o["window_name"], int(o["ts_ms"])),
        }
        for o in observations
    )
    return rows
