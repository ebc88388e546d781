"""Writing and reading records. Idempotent: re-reading the same data never double counts."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiusage.records import Observation, UsageEvent
from aiusage.store.db import SCHEMA_HEAD, Database, redact_url
from aiusage.store.outbox import OUTBOX_META, QUEUE_FOR_PUSH, outbox_rows
from aiusage.store.retention import FLOOR_META
from aiusage.store.statements import (
    BUCKET_MS,
    CURSOR_COLUMNS,
    HIDE_SIDECHAIN_REPLAYS,
    INSERT_OBSERVATION,
    PRICED_TOKEN_COLUMNS,
    REBUILD_ROLLUP,
    UPSERT_CURSOR,
    UPSERT_EVENT,
    hide_replays_of,
)

TARGETED_HIDE_MAX = 5000  # beyond this many written keys one full pass is quicker
ROLLUP_LOCK = 7414  # pg_advisory_xact_lock key of rollup rebuilds


@dataclass(frozen=True, slots=True)
class Cursor:
    """How far a log file has been read, and how to tell whether it changed since."""

    path: str
    source: str
    device: int
    inode: int
    size: int
    mtime_ns: int
    read_offset: int  # just after the last complete line consumed
    head_hash: str  # "<n>:<sha1 of the first n bytes>"
    state: dict[str, Any]
    malformed: int
    updated_ms: int = 0


def event_row(event: UsageEvent, cost_calc: float | None) -> dict[str, Any]:
    return {
        "source": event.source,
        "dedup_key": event.dedup_key,
        "ts_ms": event.ts_ms,
        "account": event.account,
        "provider": event.provider,
        "model": event.model,
        "project": event.project,
        "session": event.session,
        "input_tokens": event.input_tokens,
        "output_tokens": event.output_tokens,
        "cache_read_tokens": event.cache_read_tokens,
        "cache_write_5m_tokens": event.cache_write_5m_tokens,
        "cache_write_1h_tokens": event.cache_write_1h_tokens,
        "reasoning_tokens": event.reasoning_tokens,
        "total_tokens": event.total_tokens,
        "requests": event.requests,
        "cost_reported_usd": event.reported_cost_usd,
        "cost_calc_usd": cost_calc,
        "group_key": event.group_key,
        "sidechain": 1 if event.sidechain else 0,
        "meta": json.dumps(event.meta) if event.meta else "{}",
    }


def observation_row(obs: Observation) -> dict[str, Any]:
    return {
        "ts_ms": obs.ts_ms,
        "account": obs.account,
        "metric": obs.metric,
        "window_name": obs.window,
        "value": obs.value,
        "limit_value": obs.limit,
        "unit": obs.unit,
        "resets_at_ms": obs.resets_at_ms,
        "source": obs.source,
        "kind": obs.kind,
        "meta": json.dumps(obs.meta) if obs.meta else "{}",
    }


class Store:
    """The records of one database. Every write is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def url(self) -> str:
        return self.db.url

    @property
    def shown_url(self) -> str:
        """The URL without its password: for messages, logs and ``aiusage paths``."""
        return redact_url(self.db.url)

    def close(self) -> None:
        self.db.close()

    # -- writes -------------------------------------------------------------------------
    def write(
        self,
        events: Sequence[Mapping[str, Any]] = (),
        observations: Iterable[Observation] = (),
        cursors: Iterable[Cursor] = (),
        hide_pending: bool = False,
    ) -> None:
        """Events, observations and the cursors that say they were read — all or nothing.

        Events older than the prune floor are dropped: their totals are already in the
        rollup (see store/retention.py). A member of a team also queues what was written
        for the push (``team_outbox``), in the same transaction."""
        floor, outbox = self._write_flags()
        if events and floor:
            events = [e for e in events if int(e["ts_ms"]) >= floor]
        obs_rows = [observation_row(o) for o in observations]
        cursor_rows = [_cursor_row(c) for c in cursors]
        with self.db.transaction():
            if outbox:
                self.db.executemany(QUEUE_FOR_PUSH, outbox_rows(events, obs_rows))
            # An upsert may move an event to another time (a fork's replay replaced by the
            # parent's earlier copy): the rollup must be rebuilt where it was, too.
            moved = self._stored_span(events)
            self.db.executemany(UPSERT_EVENT, events)
            self.db.executemany(INSERT_OBSERVATION, obs_rows)
            self.db.executemany(UPSERT_CURSOR, cursor_rows)
            if hide_pending:
                self._set_meta("hide_pending", "1")
            if events:
                stamps = [int(e["ts_ms"]) for e in events]
                if moved is not None:
                    stamps.extend(moved)
                self._mark_rollup_dirty(min(stamps), max(stamps))

    def _stored_span(self, events: Sequence[Mapping[str, Any]]) -> tuple[int, int] | None:
        """The time span already stored for these events' keys, if any are stored."""
        by_source: dict[str, list[str]] = {}
        for e in events:
            by_source.setdefault(e["source"], []).append(e["dedup_key"])
        lo: int | None = None
        hi: int | None = None
        for source, keys in by_source.items():
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                params: dict[str, Any] = {f"k{j}": k for j, k in enumerate(chunk)}
                params["s"] = source
                marks = ", ".join(f":k{j}" for j in range(len(chunk)))
                row = self.db.query(
                    "SELECT MIN(ts_ms), MAX(ts_ms) FROM usage_events "
                    f"WHERE source = :s AND dedup_key IN ({marks})",
                    params,
                )[0]
                if row[0] is not None:
                    lo = int(row[0]) if lo is None else min(lo, int(row[0]))
                    hi = int(row[1]) if hi is None else max(hi, int(row[1]))
        return None if lo is None or hi is None else (lo, hi)

    def add_observations(self, observations: Iterable[Observation]) -> None:
        self.write(observations=observations)  # a reading already stored is kept

    def add_events(self, events: Iterable[UsageEvent]) -> None:
        """Store events whose cost is reported or unknown (tests, manual entries)."""
        self.write([event_row(e, None) for e in events])

    def hide_sidechain_replays(self, touched: Mapping[str, Collection[str]] | None = None) -> None:
        """Hide replayed sidechain copies; runs after writes (and after a crash, on restart).

        ``touched`` (source -> group keys just written) limits the work to those keys,
        through the group index, so a small write stays small; None checks every row.
        """
        chunks: list[tuple[str, dict[str, Any]]] = []
        if touched is not None and sum(map(len, touched.values())) <= TARGETED_HIDE_MAX:
            for source, keys in touched.items():
                ordered = sorted(k for k in keys if k)
                for i in range(0, len(ordered), 500):
                    part = ordered[i : i + 500]
                    params: dict[str, Any] = {f"g{j}": k for j, k in enumerate(part)}
                    params["s"] = source
                    chunks.append((hide_replays_of(len(part)), params))
        else:
            chunks.append((HIDE_SIDECHAIN_REPLAYS, {}))
        with self.db.transaction():
            stamps = [int(r[0]) for sql, params in chunks for r in self.db.query(sql, params)]
            self._set_meta("hide_pending", "0")
            if stamps:
                self._mark_rollup_dirty(min(stamps), max(stamps))

    # -- rollup -------------------------------------------------------------------------
    def _mark_rollup_dirty(self, lo_ms: int, hi_ms: int) -> None:
        """Widen the range whose rollup must be rebuilt (kept in the same transaction).
        On PostgreSQL the row is locked first: two writers (a team server's pushes, its
        collector) must not both widen the same old value and lose one range. The row is
        made first if missing — FOR UPDATE locks no row that isn't there, and two writers
        would each see none and the later upsert would drop the earlier's range."""
        lock = ""
        if self.db.is_postgres:
            self.db.execute(
                "INSERT INTO meta (name, value) VALUES ('rollup_dirty', '') "
                "ON CONFLICT (name) DO NOTHING"
            )
            lock = " FOR UPDATE"
        current = self.db.scalar(f"SELECT value FROM meta WHERE name = 'rollup_dirty'{lock}")
        if current:
            a, b = (int(x) for x in str(current).split(":"))
            lo_ms, hi_ms = min(lo_ms, a), max(hi_ms, b)
        self._set_meta("rollup_dirty", f"{lo_ms}:{hi_ms}")

    def refresh_rollup(self) -> None:
        """Rebuild the rollup over the range writes touched since the last refresh.

        On PostgreSQL an advisory lock keeps two refreshes (a server's threads) from
        rebuilding the same buckets at once, and the range is read under it."""
        if not self.meta("rollup_dirty"):
            return
        with self.db.transaction():
            if self.db.is_postgres:
                self.db.execute("SELECT pg_advisory_xact_lock(:k)", {"k": ROLLUP_LOCK})
            dirty = self.db.scalar(
                "SELECT value FROM meta WHERE name = 'rollup_dirty'"
                + (" FOR UPDATE" if self.db.is_postgres else "")
            )
            if not dirty:
                return
            lo_ms, hi_ms = (int(x) for x in str(dirty).split(":"))
            lo_ms = max(lo_ms, self._prune_floor())  # below it the rollup is all there is
            lo = lo_ms - lo_ms % BUCKET_MS
            hi = hi_ms - hi_ms % BUCKET_MS + BUCKET_MS
            self.db.execute(
                "DELETE FROM usage_rollup WHERE bucket >= :a AND bucket < :b",
                {"a": lo // BUCKET_MS, "b": hi // BUCKET_MS},
            )
            self.db.execute(REBUILD_ROLLUP, {"lo": lo, "hi": hi})
            self._set_meta("rollup_dirty", "")

    def delete_cursors(self, paths: Iterable[str]) -> None:
        rows = [{"path": p} for p in paths]
        if rows:
            with self.db.transaction():
                self.db.executemany("DELETE FROM ingest_cursors WHERE path = :path", rows)

    # -- cursors ------------------------------------------------------------------------
    def load_cursors(self, path: str | None = None) -> dict[str, Cursor]:
        where = "" if path is None else " WHERE path = :p"  # one file's, or every cursor
        sql = f"SELECT {', '.join(CURSOR_COLUMNS)} FROM ingest_cursors{where}"
        rows = self.db.query(sql, {} if path is None else {"p": path})
        self.db.commit()
        result: dict[str, Cursor] = {}
        for r in rows:
            result[r[0]] = Cursor(
                path=r[0],
                source=r[1],
                device=int(r[2]),
                inode=int(r[3]),
                size=int(r[4]),
                mtime_ns=int(r[5]),
                read_offset=int(r[6]),
                head_hash=r[7],
                state=json.loads(r[8]) if r[8] and r[8] != "{}" else {},
                malformed=int(r[9]),
                updated_ms=int(r[10]),
            )
        return result

    # -- meta and price cache -----------------------------------------------------------
    def _prune_floor(self) -> int:
        value = self.db.scalar("SELECT value FROM meta WHERE name = :n", {"n": FLOOR_META})
        return int(value) if value else 0

    def _write_flags(self) -> tuple[int, bool]:
        """The prune floor, and whether writes are queued for a team server (one query)."""
        rows = self.db.query(
            "SELECT name, value FROM meta WHERE name IN (:f, :o)",
            {"f": FLOOR_META, "o": OUTBOX_META},
        )
        found = dict(rows)
        return int(found.get(FLOOR_META) or 0), found.get(OUTBOX_META) == "1"

    def meta(self, name: str) -> str | None:
        value = self.db.scalar("SELECT value FROM meta WHERE name = :n", {"n": name})
        self.db.commit()
        return None if value is None else str(value)

    def set_meta(self, name: str, value: str) -> None:
        with self.db.transaction():
            self._set_meta(name, value)

    def _set_meta(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (name, value) VALUES (:n, :v) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            {"n": name, "v": value},
        )

    def load_price_cache(self, fingerprint: str) -> dict[tuple[str, str], str]:
        rows = self.db.query(
            "SELECT model, day, rates FROM price_cache WHERE fingerprint = :f", {"f": fingerprint}
        )
        self.db.commit()
        return {(r[0], r[1]): r[2] for r in rows}

    def save_price_cache(self, entries: Mapping[tuple[str, str], str], fingerprint: str) -> None:
        rows = [{"m": m, "d": d, "f": fingerprint, "r": r} for (m, d), r in entries.items()]
        if not rows:
            return
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO price_cache (model, day, fingerprint, rates) VALUES (:m, :d, :f, :r) "
                "ON CONFLICT (model, day) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "rates = excluded.rates",
                rows,
            )

    def events_for_repricing(self) -> list[tuple[Any, ...]]:
        """id, model, ts_ms, the five priced token counts, and user_name (a member's row
        on a team server)."""
        rows = self.db.query(
            f"SELECT id, model, ts_ms, {', '.join(PRICED_TOKEN_COLUMNS)}, user_name "
            "FROM usage_events"
        )
        self.db.commit()
        return rows

    def set_calculated_costs(self, costs: Sequence[tuple[int, float | None]], meta: str) -> None:
        """Replace calculated costs after a price change, and record the new fingerprint."""
        with self.db.transaction():
            self.db.executemany(
                "UPDATE usage_events SET cost_calc_usd = :c WHERE id = :i",
                [{"i": i, "c": c} for i, c in costs],
            )
            self._set_meta("price_fingerprint", meta)
            span = self.db.query("SELECT MIN(ts_ms), MAX(ts_ms) FROM usage_events")
            if span and span[0][0] is not None:
                self._mark_rollup_dirty(int(span[0][0]), int(span[0][1]))


def _cursor_row(c: Cursor) -> dict[str, Any]:
    return {
        "path": c.path,
        "source": c.source,
        "device": c.device,
        "inode": c.inode,
        "size": c.size,
        "mtime_ns": c.mtime_ns,
        "read_offset": c.read_offset,
        "head_hash": c.head_hash,
        "state": json.dumps(c.state) if c.state else "{}",
        "malformed": c.malformed,
        "updated_ms": c.updated_ms,
    }


def open_store(url: str) -> Store:
    """Open (creating or migrating as needed) the store at a database URL."""
    db = Database(url)
    current = None
    if db.table_exists("alembic_version"):
        current = db.scalar("SELECT version_num FROM alembic_version")
    db.commit()
    if current is None and not db.is_postgres and db.is_empty():
        db.create_fresh_sqlite()
    elif current != SCHEMA_HEAD:
        from aiusage.store.migrate import upgrade

        upgrade(url)
    return Store(db)
