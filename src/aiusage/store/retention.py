"""Pruning old raw records while keeping every total.

Why the rollup survives: reports, history, budgets and forecasts read the 15-minute
rollup, so deleting raw usage events older than a cutoff leaves every daily and monthly
total intact; only per-session detail, limit readings and the alert log before it go.
The cutoff is remembered (``meta.pruned_before_ms``): writes drop events older than it
and rollup rebuilds never reach below it, so a log re-read from scratch cannot count a
pruned turn twice, and a price change cannot wipe a total whose events are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiusage.store.statements import BUCKET_MS

if TYPE_CHECKING:
    from aiusage.store.store import Store

FLOOR_META = "pruned_before_ms"
LAST_PRUNE_META = "last_prune_ms"
#: (table, what it holds) in the order they are pruned.
PRUNED_TABLES = (
    ("usage_events", "usage events"),
    ("observations", "limit and balance readings"),
    ("alert_log", "alert log entries"),
)


@dataclass(frozen=True, slots=True)
class PruneCounts:
    """Rows older than ``before_ms`` per table (deleted, or that would be)."""

    before_ms: int
    usage_events: int
    observations: int
    alert_log: int

    @property
    def total(self) -> int:
        return self.usage_events + self.observations + self.alert_log


def floor_ms(store: Store) -> int:
    """The oldest time a raw event may still have (0: never pruned)."""
    value = store.meta(FLOOR_META)
    return int(value) if value else 0


def aligned(before_ms: int) -> int:
    """Cutoffs fall on rollup bucket edges, so no bucket is half pruned."""
    return before_ms - before_ms % BUCKET_MS


def count_older(store: Store, before_ms: int) -> PruneCounts:
    before_ms = aligned(before_ms)
    counts = [
        int(store.db.scalar(f"SELECT COUNT(*) FROM {table} WHERE ts_ms < :b", {"b": before_ms}))
        for table, _ in PRUNED_TABLES
    ]
    store.db.commit()
    return PruneCounts(before_ms, *counts)


def prune(store: Store, before_ms: int, now_ms: int) -> PruneCounts:
    """Delete raw rows older than ``before_ms`` in one transaction; the rollup stays.

    The rollup is brought up to date first, so the totals of the rows about to go are in
    it; the new floor is written in the same transaction as the deletes."""
    before_ms = aligned(before_ms)
    store.refresh_rollup()
    counts = count_older(store, before_ms)
    with store.db.transaction():
        for table, _ in PRUNED_TABLES:
            store.db.execute(f"DELETE FROM {table} WHERE ts_ms < :b", {"b": before_ms})
        if before_ms > floor_ms(store):
            store._set_meta(FLOOR_META, str(before_ms))
        store._set_meta(LAST_PRUNE_META, str(now_ms))
    return counts


def vacuum(store: Store) -> bool:
    """Give freed pages back to the file system (SQLite only; PostgreSQL's autovacuum
    reuses them). False when there was nothing this store can do."""
    if store.db.is_postgres:
        return False
    store.db.execute("VACUUM")
    # In WAL mode VACUUM writes the new file through the WAL: fold it back and empty it.
    store.db.query("PRAGMA wal_checkpoint(TRUNCATE)")
    return True


def database_size(store: Store) -> int | None:
    """Bytes on disk (SQLite file plus its WAL, or the PostgreSQL database); None for an
    in-memory database."""
    db = store.db
    if db.is_postgres:
        size = db.scalar("SELECT pg_database_size(current_database())")
        db.commit()
        return int(size) if size is not None else None
    from pathlib import Path

    from aiusage.store.db import sqlite_path

    path = sqlite_path(db.url)
    if path == ":memory:":
        return None
    files = (Path(path + suffix) for suffix in ("", "-wal"))
    return sum(f.stat().st_size for f in files if f.exists())


def oldest_ms(store: Store) -> int | None:
    """The oldest raw usage event (None when there is none)."""
    value = store.db.scalar("SELECT MIN(ts_ms) FROM usage_events")
    store.db.commit()
    return None if value is None else int(value)
