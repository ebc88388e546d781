"""The store on SQLite and PostgreSQL: migrations, idempotent upserts, rollup, cursors."""

from __future__ import annotations

from aiusage.records import CostMode, Observation, UsageEvent
from aiusage.store import Cursor, Store, open_store
from aiusage.store.db import SCHEMA_HEAD
from aiusage.store.migrate import head_revision
from aiusage.store.queries import UsageFilter, aggregate, observations_latest, time_range
from aiusage.store.store import event_row

T0 = 1_762_000_000_000  # 2025-11-01T12:26:40Z


def _event(key: str, ts: int = T0, out: int = 10, **kw: object) -> UsageEvent:
    fields: dict[str, object] = {
        "ts_ms": ts,
        "source": "claude-code",
        "dedup_key": key,
        "model": "claude-sonnet-4-5",
        "input_tokens": 100,
        "output_tokens": out,
        "cache_read_tokens": 1000,
        "cache_write_5m_tokens": 50,
        "project": "p1",
    }
    fields.update(kw)
    return UsageEvent(**fields)  # type: ignore[arg-type]


def _totals(store: Store, mode: CostMode = CostMode.AUTO) -> tuple[int, int, float, int]:
    store.refresh_rollup()
    rows = aggregate(store.db, UsageFilter(), mode, by_day=True)
    return (
        sum(r.output_tokens for r in rows),
        sum(r.events for r in rows),
        round(sum(r.cost_usd for r in rows), 9),
        sum(r.unpriced for r in rows),
    )


def test_schema_head_matches_migrations() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_migrations_produce_the_declared_schema(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from aiusage.store.migrate import sqlalchemy_url
    from aiusage.store.schema import metadata

    open_store(database_url).close()
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_reopening_does_not_migrate_again(database_url: str) -> None:
    s = open_store(database_url)
    s.add_events([_event("a")])
    s.close()
    s = open_store(database_url)
    assert s.db.scalar("SELECT version_num FROM alembic_version") == SCHEMA_HEAD
    assert _totals(s)[1] == 1
    s.close()


def test_upsert_keeps_the_most_complete_copy(store: Store) -> None:
    store.add_events([_event("m1:r1", out=5)])
    store.add_events([_event("m1:r1", out=50)])
    store.add_events([_event("m1:r1", out=7)])  # a partial copy read later changes nothing
    assert _totals(store)[:2] == (50, 1)


def test_equal_copies_keep_the_earliest(store: Store) -> None:
    store.add_events([_event("t:1", ts=T0 + 86_400_000, session="child")])
    store.add_events([_event("t:1", ts=T0, session="parent")])
    rows = store.db.query("SELECT ts_ms, session FROM usage_events")
    assert rows == [(T0, "parent")]


def test_rewriting_the_same_events_is_idempotent(store: Store) -> None:
    events = [_event(f"k{i}", ts=T0 + i * 60_000, out=i) for i in range(50)]
    store.add_events(events)
    first = _totals(store)
    store.add_events(events)
    assert _totals(store) == first
    assert first[:2] == (sum(range(50)), 50)


def test_sidechain_replay_is_hidden_whichever_arrives_first(store: Store) -> None:
    replay = _event("m1:r2", sidechain=True, group_key="m1", out=10)
    parent = _event("m1:r1", sidechain=False, group_key="m1", out=10)
    own = _event("m2:r3", sidechain=True, group_key="m2", out=3)
    store.write([event_row(replay, None), event_row(own, None)], hide_pending=True)
    store.hide_sidechain_replays()
    assert _totals(store)[:2] == (13, 2)
    store.write([event_row(parent, None)], hide_pending=True)
    store.hide_sidechain_replays()
    assert _totals(store)[:2] == (13, 2)  # parent replaces the replay, own sidechain stays


def test_targeted_replay_check_hides_only_written_keys_and_dirties_only_their_time(
    store: Store,
) -> None:
    """After a small write only the written group keys are checked, and the rollup is
    rebuilt only where a row was hidden — not over all history (the statusline's path)."""
    old = T0 - 30 * 86_400_000
    stale = _event("m0:r9", ts=old, sidechain=True, group_key="m0", out=5)
    parent_old = _event("m0:r1", ts=old, sidechain=False, group_key="m0", out=5)
    store.write([event_row(stale, None), event_row(parent_old, None)])
    store.refresh_rollup()  # m0's replay is still visible: no check has run yet
    replay = _event("m1:r2", ts=T0, sidechain=True, group_key="m1", out=10)
    parent = _event("m1:r1", ts=T0, sidechain=False, group_key="m1", out=10)
    store.write([event_row(replay, None), event_row(parent, None)], hide_pending=True)
    store.hide_sidechain_replays({"claude-code": {"m1"}})
    hidden = store.db.query("SELECT dedup_key FROM usage_events WHERE hidden = 1")
    assert hidden == [("m1:r2",)]
    assert store.meta("hide_pending") == "0"
    assert store.meta("rollup_dirty") == f"{T0}:{T0}"
    store.hide_sidechain_replays()  # the full pass (crash recovery) finds the rest
    hidden = store.db.query("SELECT dedup_key FROM usage_events WHERE hidden = 1 ORDER BY 1")
    assert hidden == [("m0:r9",), ("m1:r2",)]
    assert store.meta("rollup_dirty") == f"{old}:{T0}"


def test_cost_modes(store: Store) -> None:
    store.write(
        [
            event_row(_event("a", reported_cost_usd=1.5), 2.0),
            event_row(_event("b"), 0.25),
            event_row(_event("c", model="mystery-model"), None),
        ]
    )
    assert _totals(store, CostMode.AUTO)[2:] == (1.75, 1)
    assert _totals(store, CostMode.CALCULATE)[2:] == (2.25, 1)
    assert _totals(store, CostMode.DISPLAY)[2:] == (1.5, 0)


def test_rollup_follows_later_writes(store: Store) -> None:
    store.add_events([_event("a", ts=T0)])
    assert _totals(store)[1] == 1
    store.add_events([_event("b", ts=T0 + 3_600_000), _event("a", ts=T0, out=99)])
    assert _totals(store)[:2] == (109, 2)


def test_local_day_grouping_with_offsets(store: Store) -> None:
    # 23:30 UTC on day D is day D+1 in a +05:30 zone.
    day = 20_000
    ts = day * 86_400_000 + 23 * 3_600_000 + 30 * 60_000
    store.add_events([_event("a", ts=ts)])
    store.refresh_rollup()
    utc = aggregate(store.db, UsageFilter(), CostMode.AUTO, by_day=True)
    kolkata = aggregate(
        store.db, UsageFilter(), CostMode.AUTO, by_day=True, offsets=[(0, 19_800_000)]
    )
    assert [r.day for r in utc] == [day]
    assert [r.day for r in kolkata] == [day + 1]


def test_filters(store: Store) -> None:
    store.add_events(
        [
            _event("a", ts=T0, project="p1"),
            _event("b", ts=T0 + 86_400_000, project="p2"),
            _event("c", ts=T0, source="codex", model="gpt-5"),
        ]
    )
    store.refresh_rollup()

    def count(flt: UsageFilter) -> int:
        return sum(r.events for r in aggregate(store.db, flt, CostMode.AUTO, by_day=True))

    assert count(UsageFilter(sources=("codex",))) == 1
    assert count(UsageFilter(project="p2")) == 1
    assert count(UsageFilter(since_ms=T0 + 3_600_000)) == 1
    assert count(UsageFilter(until_ms=T0 + 1)) == 2
    assert time_range(store.db, UsageFilter()) == (T0, T0 + 86_400_000)


def test_observations_are_idempotent_and_latest_wins(store: Store) -> None:
    obs = [
        Observation(
            ts_ms=T0,
            account="codex",
            metric="window_used_percent",
            value=10.0,
            window="primary",
            resets_at_ms=T0 + 1000,
        ),
        Observation(
            ts_ms=T0 + 5,
            account="codex",
            metric="window_used_percent",
            value=12.5,
            window="primary",
        ),
    ]
    store.write(observations=obs)
    store.write(observations=obs)
    assert store.db.scalar("SELECT COUNT(*) FROM observations") == 2
    latest = observations_latest(store.db)
    assert [(r[0], r[2], r[3]) for r in latest] == [("codex", "primary", 12.5)]


def test_cursors_round_trip(store: Store) -> None:
    cur = Cursor(
        path="/x/a.jsonl",
        source="codex",
        device=1,
        inode=2,
        size=30,
        mtime_ns=4,
        read_offset=30,
        head_hash="30:abc",
        state={"model": "gpt-5"},
        malformed=2,
    )
    store.write(cursors=[cur])
    assert store.load_cursors() == {"/x/a.jsonl": cur}
    store.delete_cursors(["/x/a.jsonl"])
    assert store.load_cursors() == {}


def test_price_cache_and_meta(store: Store) -> None:
    store.save_price_cache({("m", "2026-01-01"): '{"x": 1}', ("n", "2026-01-01"): ""}, "fp1")
    assert store.load_price_cache("fp1") == {
        ("m", "2026-01-01"): '{"x": 1}',
        ("n", "2026-01-01"): "",
    }
    assert store.load_price_cache("fp2") == {}
    store.set_meta("k", "v")
    store.set_meta("k", "w")
    assert store.meta("k") == "w"
    assert store.meta("missing") is None


def test_fresh_sqlite_ddl_is_what_the_migrations_render() -> None:
    from aiusage.store.migrate import FRESH_SQLITE_SCHEMA, render_fresh_sqlite

    assert FRESH_SQLITE_SCHEMA.read_text(encoding="utf-8") == render_fresh_sqlite(), (
        "regenerate src/aiusage/store/fresh_sqlite.sql with render_fresh_sqlite()"
    )


def test_a_cost_row_that_grew_replaces_the_earlier_copy(store: Store) -> None:
    """A provider's bill for a day still filling in: zero tokens, a larger cost later."""
    early = _event("cost:2026-11-01", out=0, reported_cost_usd=1.25)
    later = _event("cost:2026-11-01", out=0, reported_cost_usd=3.5)
    store.add_events([early])
    store.add_events([later])
    store.add_events([early])  # a stale re-read does not shrink it again
    assert store.db.query("SELECT cost_reported_usd FROM usage_events") == [(3.5,)]


def test_unbilled_usage_is_priced_until_its_bill_arrives(store: Store) -> None:
    """A provider's usage row with no bill yet (cost None) is priced by us; when its day's
    bill settles the same row comes back with 0.0 and the bill row carries the money."""
    unbilled = _event("usage:h1", reported_cost_usd=None)
    store.write([event_row(unbilled, 2.0)])
    assert _totals(store)[2] == 2.0  # auto mode: our price, so today is never $0
    billed = _event("usage:h1", reported_cost_usd=0.0)
    bill = _event(
        "cost:day",
        out=0,
        input_tokens=0,
        cache_read_tokens=0,
        cache_write_5m_tokens=0,
        reported_cost_usd=2.25,
    )
    store.write([event_row(billed, 2.0), event_row(bill, 0.0)])
    assert _totals(store)[2] == 2.25  # the bill, counted once
    assert _totals(store, CostMode.CALCULATE)[2] == 2.0
    store.write([event_row(unbilled, 2.0)])  # a late re-read of the old copy changes nothing
    assert _totals(store)[2] == 2.25
