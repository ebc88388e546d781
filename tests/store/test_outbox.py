"""A member's store queues every write for the team server, in the write's transaction."""

from __future__ import annotations

from aiusage.records import Observation, UsageEvent
from aiusage.store import Store
from aiusage.store.outbox import OUTBOX_META
from aiusage.store.store import event_row


def _queued(store: Store) -> list[tuple[str, str, str]]:
    rows = store.db.query("SELECT kind, source, ref FROM team_outbox ORDER BY id")
    store.db.commit()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_writes_are_queued_once_only_for_a_team_member(store: Store) -> None:
    event = UsageEvent(ts_ms=1000, source="codex", dedup_key="s1:1", input_tokens=5)
    reading = Observation(
        ts_ms=2000, account="codex", metric="window_used_percent", window="5h", value=1.0
    )
    store.write([event_row(event, None)], [reading])
    assert _queued(store) == []  # not in a team: nothing queued

    store.set_meta(OUTBOX_META, "1")
    bigger = UsageEvent(ts_ms=1000, source="codex", dedup_key="s1:1", input_tokens=9)
    store.write([event_row(bigger, None)], [reading])
    store.write([event_row(bigger, None)])  # written again: still one entry
    assert _queued(store) == [
        ("ev", "codex", "s1:1"),
        ("obs", "codex", "window_used_percent|5h|2000"),
    ]
