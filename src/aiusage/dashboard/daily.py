"""Sums per local day, source and model, kept in memory and refreshed incrementally.

Why: the dashboard asks "what was spent per day per source" on every overview, history
and /metrics request. A year of 20 busy sources is ~600k rollup rows; grouping them takes
half a second, so the sums live here (per open database) and each request re-reads only
what can have changed: days touched by rows added since (new ids), the range the store
marks dirty, and every few seconds the last few days (in-place upserts: streamed copies,
bills settling).
A full re-read every ``FULL_EVERY_MS`` catches anything else (another process may have
consumed the dirty range first).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from aiusage.analytics.timezones import day_number as day_number
from aiusage.analytics.timezones import (
    day_number_to_date,
    local_date,
    local_midnight_ms,
    offset_segments,
)
from aiusage.records import CostMode
from aiusage.store.db import Database

if TYPE_CHECKING:
    from aiusage.app import App

BUCKET_MS = 900_000  # the rollup's 15-minute buckets (store/statements.py)
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
RECENT_DAYS = 3  # re-read often: upserts in place change these without a new id
RECENT_EVERY_MS = 5_000
FULL_EVERY_MS = 15 * 60_000

#: cost mode -> (cost column, unpriced column) of usage_rollup
ROLLUP_COST = {
    CostMode.AUTO: ("cost_auto_usd", "auto_unknown"),
    CostMode.CALCULATE: ("cost_calc_usd", "calc_unknown"),
    CostMode.DISPLAY: ("cost_reported_usd", "0"),
}


class Sums(NamedTuple):
    cost: float
    unpriced: int
    input: int
    output: int
    cache_read: int
    cache_write: int
    reasoning: int
    requests: int
    events: int
    last_ms: int

    @property
    def tokens(self) -> int:
        """Input + output + cache both ways (``Totals.total_tokens``)."""
        return self.input + self.output + self.cache_read + self.cache_write


ZERO = Sums(0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def add(a: Sums, b: Sums) -> Sums:
    return Sums(
        a.cost + b.cost,
        a.unpriced + b.unpriced,
        a.input + b.input,
        a.output + b.output,
        a.cache_read + b.cache_read,
        a.cache_write + b.cache_write,
        a.reasoning + b.reasoning,
        a.requests + b.requests,
        a.events + b.events,
        max(a.last_ms, b.last_ms),
    )


def local_expr(offsets: list[tuple[int, int]], size_ms: int) -> str:
    """SQL for the local day (or hour) number of a rollup bucket, exact across DST."""
    ts = f"bucket * {BUCKET_MS}"
    if len(offsets) == 1:
        return f"({ts} + {int(offsets[0][1])}) / {size_ms}"
    cases = " ".join(
        f"WHEN {ts} < {int(nxt[0])} THEN {int(cur[1])}" for cur, nxt in pairwise(offsets)
    )
    return f"({ts} + CASE {cases} ELSE {int(offsets[-1][1])} END) / {size_ms}"


def grouped(
    db: Database,
    zone: tzinfo,
    mode: CostMode,
    since_ms: int,
    until_ms: int,
    size_ms: int = DAY_MS,
    sources: tuple[str, ...] = (),
    project: str | None = None,
) -> list[tuple[int, str, str, Sums]]:
    """(local day or hour number, source, model, sums) over [since, until) of the rollup."""
    cost, unknown = ROLLUP_COST[mode]
    expr = local_expr(offset_segments(zone, since_ms, until_ms), size_ms)
    params: dict[str, Any] = {"a": since_ms // BUCKET_MS, "b": -(-until_ms // BUCKET_MS)}
    where = "bucket >= :a AND bucket < :b"
    if sources:
        params |= {f"s{i}": s for i, s in enumerate(sources)}
        where += f" AND source IN ({', '.join(f':s{i}' for i in range(len(sources)))})"
    if project is not None:
        params["p"] = project
        where += " AND project = :p"
    rows = db.query(
        f"SELECT {expr}, source, model, SUM({cost}), SUM({unknown}), SUM(input_tokens), "
        "SUM(output_tokens), SUM(cache_read_tokens), "
        "SUM(cache_write_5m_tokens + cache_write_1h_tokens), SUM(reasoning_tokens), "
        f"SUM(requests), SUM(events), MAX(last_ms) FROM usage_rollup WHERE {where} "
        "GROUP BY 1, source, model",
        params,
    )
    db.commit()
    return [
        (
            int(r[0]),
            str(r[1]),
            str(r[2]),
            Sums(float(r[3] or 0.0), *(int(v or 0) for v in r[4:13])),
        )
        for r in rows
    ]


@dataclass(slots=True)
class DailyCells:
    """day number -> (source, model) -> sums, in one zone and cost mode; and the same
    summed per source (``by_source``), which most views need."""

    key: tuple[str, str, str]  # (zone, cost mode, price fingerprint)
    zone: tzinfo
    mode: CostMode
    days: dict[int, dict[tuple[str, str], Sums]] = field(default_factory=dict)
    by_source: dict[int, dict[str, Sums]] = field(default_factory=dict)
    max_id: int = 0
    built_ms: int = 0
    recent_ms: int = 0  # when the last days were last re-read
    providers: dict[tuple[str, str], str] = field(default_factory=dict)
    providers_max_id: int = 0

    def load(self, db: Database, since_ms: int, until_ms: int) -> None:
        """Replace the days from ``since_ms``'s local day on with what the rollup says."""
        first = day_number(local_date(since_ms, self.zone))
        start = local_midnight_ms(day_of(first), self.zone)
        for day in [d for d in self.days if d >= first]:
            del self.days[day]
            self.by_source.pop(day, None)
        for day, source, model, sums in grouped(db, self.zone, self.mode, start, until_ms):
            self.days.setdefault(day, {})[(source, model)] = sums
            per = self.by_source.setdefault(day, {})
            per[source] = add(per[source], sums) if source in per else sums

    def between(self, first: int, last: int) -> dict[int, dict[tuple[str, str], Sums]]:
        return {d: cells for d, cells in self.days.items() if first <= d <= last}

    def sources_between(self, first: int, last: int) -> dict[int, dict[str, Sums]]:
        return {d: per for d, per in self.by_source.items() if first <= d <= last}

    def provider(self, source: str, model: str) -> str:
        return self.providers.get((source, model)) or self.providers.get((source, "")) or ""


day_of = day_number_to_date  # the views' short name

_CELLS: weakref.WeakKeyDictionary[Database, DailyCells] = weakref.WeakKeyDictionary()


def daily_cells(app: App, now_ms: int | None = None) -> DailyCells:
    """The open database's day sums, brought up to date (see the module docstring)."""
    from aiusage.app import ReportOptions

    db = app.store.db
    now = _now_ms() if now_ms is None else now_ms
    zone = app.tz(None)
    mode = app._mode(ReportOptions())
    key = (app.tz_name(None), mode.value, app.store.meta("price_fingerprint") or "")
    max_id = int(db.scalar("SELECT MAX(id) FROM usage_events") or 0)
    dirty = app.store.meta("rollup_dirty")
    db.commit()
    cells = _CELLS.get(db)
    horizon = now + 2 * DAY_MS  # events stamped a little in the future still count
    if (
        cells is None
        or cells.key != key
        or max_id < cells.max_id
        or now - cells.built_ms > FULL_EVERY_MS
    ):
        app.store.refresh_rollup()
        cells = DailyCells(key, zone, mode, built_ms=now, recent_ms=now)
        span = db.query("SELECT MIN(bucket), MAX(bucket) FROM usage_rollup")
        db.commit()
        if span and span[0][0] is not None:
            cells.load(db, int(span[0][0]) * BUCKET_MS, max(horizon, int(span[0][1]) * BUCKET_MS))
        _CELLS[db] = cells
    elif max_id > cells.max_id or dirty or now - cells.recent_ms > RECENT_EVERY_MS:
        since = local_midnight_ms(local_date(now, zone) - timedelta(days=RECENT_DAYS - 1), zone)
        if max_id > cells.max_id:
            first = db.scalar(
                # ts_ms + 0: walk the new ids, not the whole time index from its start
                "SELECT MIN(ts_ms + 0) FROM usage_events WHERE id > :m",
                {"m": cells.max_id},
            )
            db.commit()
            if first is not None:
                since = min(since, int(first))
        if dirty:
            since = min(since, int(dirty.split(":")[0]))
        app.store.refresh_rollup()
        cells.load(db, since, horizon)
        cells.recent_ms = now
    cells.max_id = max_id
    _refresh_providers(db, cells)
    return cells


def _refresh_providers(db: Database, cells: DailyCells) -> None:
    """(source, model) -> provider, from rows added since the last look (the rollup has no
    provider column; the first look reads every row once)."""
    if cells.providers_max_id >= cells.max_id:
        return
    rows = db.query(
        "SELECT DISTINCT source, model, provider FROM usage_events WHERE id > :m",
        {"m": cells.providers_max_id},
    )
    db.commit()
    for source, model, provider in rows:
        if provider:
            cells.providers[(str(source), str(model))] = str(provider)
            cells.providers.setdefault((str(source), ""), str(provider))
    cells.providers_max_id = cells.max_id


T = TypeVar("T")
_MEMO: weakref.WeakKeyDictionary[Database, dict[str, tuple[Any, Any]]] = weakref.WeakKeyDictionary()


def memo(app: App, name: str, key: Any, compute: Callable[[], T]) -> T:
    """``compute()`` again only when ``key`` (store markers, a time bucket) has changed."""
    found = _MEMO.setdefault(app.store.db, {})
    hit = found.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    value = compute()
    found[name] = (key, value)
    return value


def _now_ms() -> int:
    return int(time.time() * 1000)
