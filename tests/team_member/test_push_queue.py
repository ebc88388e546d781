"""The push queue on SQLite and PostgreSQL: history queued oldest first from a day on,
batches joined to the rows as they are now, pruned rows skipped, and an acknowledgement
that keeps a row replaced while its batch was on the wire."""

from __future__ import annotations

from team_fake import events, readings

from aiusage.store import Store
from aiusage.store.push_queue import (
    Batch,
    acknowledge,
    backlog,
    has_backlog,
    queue_history,
    read_batch,
    stop_queueing,
)


def test_history_is_queued_from_a_day_on_and_read_oldest_first(store: Store) -> None:
    store.write(events(5), readings(3))
    assert not has_backlog(store.db)
    since = int(events(1, start=3)[0]["ts_ms"])
    queue_history(store.db, since)
    assert backlog(store.db) == (3, 3)
    assert store.meta("team_outbox") == "1"

    first = read_batch(store.db, 2, 2)
    assert [e["dedup_key"] for e in first.events] == ["msg_3:req_3", "msg_4:req_4"]
    assert [o["value"] for o in first.observations] == [1.0, 2.0]
    assert first.events[0]["project"] == "shop" and first.events[0]["cost_calc_usd"] == 0.01
    assert set(first.observations[0]) >= {"window_name", "limit_value", "resets_at_ms"}
    assert acknowledge(store.db, first, meta={"team_last_push_ms": "1"}) == 0
    assert store.meta("team_last_push_ms") == "1"
    rest = read_batch(store.db, 10, 10)
    assert len(rest.events) == 1 and len(rest.observations) == 1
    acknowledge(store.db, rest)
    assert backlog(store.db) == (0, 0) and not read_batch(store.db, 10, 10)


def test_a_replaced_row_stays_queued_and_pruned_rows_are_skipped(store: Store) -> None:
    queue_history(store.db, 0)
    store.write(events(3, tokens=10))
    batch = read_batch(store.db, 10, 10)
    store.write(events(1, tokens=50))  # a fuller copy while the batch is on the wire
    assert acknowledge(store.db, batch) == 1
    again = read_batch(store.db, 10, 10)
    assert [(e["dedup_key"], e["input_tokens"]) for e in again.events] == [("msg_1:req_1", 50)]
    acknowledge(store.db, again)

    store.write(events(2, start=7), readings(1))
    with store.db.transaction():  # pruned before they were pushed
        store.db.execute("DELETE FROM usage_events WHERE dedup_key = :k", {"k": "msg_7:req_7"})
        store.db.execute("DELETE FROM observations")
    batch = read_batch(store.db, 10, 10)
    assert [e["dedup_key"] for e in batch.events] == ["msg_8:req_8"]
    assert len(batch.gone) == 2 and not batch.observations
    acknowledge(store.db, batch)
    assert backlog(store.db) == (0, 0)


def test_batches_split_in_halves_and_by_named_rows() -> None:
    batch = Batch(
        events=[{"i": i} for i in range(5)],
        observations=[{"o": 0}],
        event_ids=list(range(5)),
        observation_ids=[9],
    )
    first, second = batch.halves()
    assert (first.event_ids, first.observation_ids) == ([0, 1, 2], [9])
    assert (second.event_ids, second.observation_ids) == ([3, 4], [])
    pair = Batch(events=[{}], observations=[{}], event_ids=[1], observation_ids=[2])
    assert [len(half) for half in pair.halves()] == [1, 1]
    kept, bad = batch.split([1, 3], [0])
    assert (kept.event_ids, bad.event_ids, bad.observation_ids) == ([0, 2, 4], [1, 3], [9])


def test_leaving_empties_the_queue_and_stops_filling_it(store: Store) -> None:
    queue_history(store.db, 0)
    store.write(events(2))
    assert stop_queueing(store.db) == 2
    store.write(events(2, start=5))
    assert backlog(store.db) == (0, 0)
