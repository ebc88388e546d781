"""Pruning raw records keeps every total, and pruned records never come back twice."""

from __future__ import annotations

from aiusage.records import CostMode, Observation, UsageEvent
from aiusage.store import Store
from aiusage.store.queries import UsageFilter, aggregate
from aiusage.store.retention import PRUNED_TABLES, count_older, floor_ms, prune
from aiusage.store.statements import BUCKET_MS
from aiusage.store.store import event_row

DAY = 86_400_000
NOW = 1_762_000_000_000 - 1_762_000_000_000 % BUCKET_MS  # on a bucket edge
CUTOFF = NOW - 60 * DAY


def _events(days: int = 100) -> list[UsageEvent]:
    return [
        UsageEvent(
            ts_ms=NOW - d * DAY - 3_600_000,
            source="claude-code",
            dedup_key=f"m{d}:r{d}",
            model="claude-sonnet-4-5",
            input_tokens=1000 + d,
            output_tokens=200 + d,
            session=f"s{d}",
        )
        for d in range(days)
    ]


def _fill(store: Store) -> None:
    store.write([event_row(e, 0.01 * (i + 1)) for i, e in enumerate(_events())])
    store.add_observations(
        Observation(ts_ms=NOW - d * DAY, account="acme", metric="balance", value=100.0 - d)
        for d in range(100)
    )
    store.db.executemany(
        "INSERT INTO alert_log (ts_ms, alert_key, rule, severity, title, status) "
        "VALUES (:t, :k, 'budget', 'warning', 'x', 'delivered')",
        [{"t": NOW - d * DAY, "k": f"k{d}"} for d in (1, 90)],
    )
    store.db.commit()


def _totals(store: Store) -> tuple[int, int, int, float]:
    """Input and output tokens, events and cost, as every report reads them."""
    store.refresh_rollup()
    rows = aggregate(store.db, UsageFilter(), CostMode.AUTO, by_day=True)
    return (
        sum(r.input_tokens for r in rows),
        sum(r.output_tokens for r in rows),
        sum(r.events for r in rows),
        round(sum(r.cost_usd for r in rows), 9),
    )


def _count(store: Store, table: str) -> int:
    n = int(store.db.scalar(f"SELECT COUNT(*) FROM {table}"))
    store.db.commit()
    return n


def test_pruning_deletes_old_raw_rows_and_keeps_every_total(store: Store) -> None:
    _fill(store)
    before = _totals(store)
    preview = count_older(store, CUTOFF)
    assert (preview.usage_events, preview.observations, preview.alert_log) == (
        40,
        39,
        1,
    )  # a reading exactly at the cutoff stays

    counts = prune(store, CUTOFF, now_ms=NOW)

    assert counts == preview
    assert _totals(store) == before  # tokens, events and cost from the kept rollup
    assert [_count(store, t) for t, _ in PRUNED_TABLES] == [60, 61, 1]
    assert floor_ms(store) == CUTOFF
    oldest = store.db.scalar("SELECT MIN(ts_ms) FROM usage_events")
    store.db.commit()
    assert oldest >= CUTOFF


def test_a_pruned_event_read_again_is_not_counted_twice(store: Store) -> None:
    _fill(store)
    prune(store, CUTOFF, now_ms=NOW)
    before = _totals(store)
    # A log file read again from its start (rotated, or its cursor lost) brings every
    # old turn back: the ones before the cutoff are already in the totals.
    store.write([event_row(e, 0.5) for e in _events()])
    assert _totals(store) == before
    assert _count(store, "usage_events") == 60


def test_a_rollup_rebuild_over_everything_keeps_pruned_totals(store: Store) -> None:
    _fill(store)
    prune(store, CUTOFF, now_ms=NOW)
    before = _totals(store)
    # A price change marks the whole span dirty; the rebuild must stop at the floor.
    store.set_calculated_costs([], "new-prices")
    store.set_meta("rollup_dirty", f"{NOW - 200 * DAY}:{NOW}")
    assert _totals(store) == before


def test_pruning_again_never_lowers_the_floor(store: Store) -> None:
    _fill(store)
    prune(store, CUTOFF, now_ms=NOW)
    prune(store, CUTOFF - 30 * DAY, now_ms=NOW + DAY)
    assert floor_ms(store) == CUTOFF
    assert store.meta("last_prune_ms") == str(NOW + DAY)


def test_cutoffs_fall_on_bucket_edges(store: Store) -> None:
    _fill(store)
    counts = prune(store, CUTOFF + 123_456, now_ms=NOW)
    assert counts.before_ms == CUTOFF
