"""Aggregate queries the reports are built from; the heavy lifting stays in the database.

Local-time grouping is exact without database time-zone support: the caller passes the
UTC offsets in force over the range (``offsets``: (from_ms, offset_ms) pairs, from
zoneinfo), and the day of an event is ``(ts_ms + offset) / 86400000`` in integer
arithmetic, which SQLite and PostgreSQL compute alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from aiusage.records import WINDOW_USED_PERCENT, CostMode
from aiusage.store.db import Database
from aiusage.store.statements import BUCKET_MS

DAY_MS = 86_400_000

_COST_EXPR = {
    CostMode.AUTO: "COALESCE(cost_reported_usd, cost_calc_usd)",
    CostMode.CALCULATE: "cost_calc_usd",
    CostMode.DISPLAY: "COALESCE(cost_reported_usd, 0)",
}


@dataclass(frozen=True, slots=True)
class UsageFilter:
    since_ms: int | None = None
    until_ms: int | None = None  # exclusive
    sources: tuple[str, ...] = ()
    project: str | None = None


@dataclass(frozen=True, slots=True)
class AggRow:
    """Sums over one group. ``unpriced`` counts events whose cost is unknown."""

    day: int | None  # local day number since 1970-01-01 (None when not grouped by day)
    source: str
    model: str
    project: str
    session: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    reasoning_tokens: int
    requests: int
    cost_usd: float
    unpriced: int
    events: int
    first_ms: int
    last_ms: int


_ROLLUP_COST = {
    CostMode.AUTO: ("cost_auto_usd", "auto_unknown"),
    CostMode.CALCULATE: ("cost_calc_usd", "calc_unknown"),
    CostMode.DISPLAY: ("cost_reported_usd", "0"),
}


def _day_expr(offsets: Sequence[tuple[int, int]], ts: str = "ts_ms") -> str:
    if not offsets:
        return f"{ts} / {DAY_MS}"
    if len(offsets) == 1:
        return f"({ts} + {int(offsets[0][1])}) / {DAY_MS}"
    cases = " ".join(
        f"WHEN {ts} < {int(nxt[0])} THEN {int(cur[1])}" for cur, nxt in pairwise(offsets)
    )
    return f"({ts} + CASE {cases} ELSE {int(offsets[-1][1])} END) / {DAY_MS}"


def _where(flt: UsageFilter, rollup: bool = False) -> tuple[str, dict[str, object]]:
    clauses = [] if rollup else ["hidden = 0"]
    params: dict[str, object] = {}
    # Local midnights fall on the rollup's 15-minute bucket edges, so this is exact.
    ts = f"bucket * {BUCKET_MS}" if rollup else "ts_ms"
    if flt.since_ms is not None:
        clauses.append(f"{ts} >= :since")
        params["since"] = flt.since_ms
    if flt.until_ms is not None:
        clauses.append(f"{ts} < :until")
        params["until"] = flt.until_ms
    if flt.sources:
        names = []
        for i, s in enumerate(flt.sources):
            params[f"s{i}"] = s
            names.append(f":s{i}")
        clauses.append(f"source IN ({', '.join(names)})")
    if flt.project is not None:
        clauses.append("project = :project")
        params["project"] = flt.project
    return " AND ".join(clauses) or "1 = 1", params


def aggregate(
    db: Database,
    flt: UsageFilter,
    mode: CostMode,
    *,
    by_day: bool,
    by_session: bool = False,
    offsets: Sequence[tuple[int, int]] = (),
) -> list[AggRow]:
    """Sums grouped by (day?, source, model, project, session?).

    Per-day sums come from the rollup; per-session sums need the events themselves.
    """
    if by_session:
        cost = _COST_EXPR[mode]
        cost_sum, unknown = f"SUM({cost})", f"SUM(CASE WHEN {cost} IS NULL THEN 1 ELSE 0 END)"
        table, ts, events, first, last = "usage_events", "ts_ms", "COUNT(*)", "ts_ms", "ts_ms"
    else:
        cost_col, unknown_col = _ROLLUP_COST[mode]
        cost_sum, unknown = f"SUM({cost_col})", f"SUM({unknown_col})"
        table, ts, events = "usage_rollup", f"bucket * {BUCKET_MS}", "SUM(events)"
        first, last = "first_ms", "last_ms"
    day = _day_expr(offsets, ts) if by_day else "NULL"
    session = "session" if by_session else "''"
    where, params = _where(flt, rollup=not by_session)
    groups = ["source", "model", "project"]
    if by_day:
        groups.insert(0, "1")
    if by_session:
        groups.append("session")
    sql = (
        f"SELECT {day}, source, model, project, {session}, "
        "SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), "
        "SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(reasoning_tokens), "
        f"SUM(requests), {cost_sum}, {unknown}, {events}, MIN({first}), MAX({last}) "
        f"FROM {table} WHERE {where} GROUP BY {', '.join(groups)}"
    )
    rows = db.query(sql, params)
    db.commit()
    return [
        AggRow(
            day=None if r[0] is None else int(r[0]),
            source=r[1],
            model=r[2],
            project=r[3],
            session=r[4],
            input_tokens=int(r[5]),
            output_tokens=int(r[6]),
            cache_read_tokens=int(r[7]),
            cache_write_5m_tokens=int(r[8]),
            cache_write_1h_tokens=int(r[9]),
            reasoning_tokens=int(r[10]),
            requests=int(r[11]),
            cost_usd=float(r[12] or 0.0),
            unpriced=int(r[13] or 0),
            events=int(r[14]),
            first_ms=int(r[15]),
            last_ms=int(r[16]),
        )
        for r in rows
    ]


def time_range(db: Database, flt: UsageFilter) -> tuple[int, int] | None:
    """The first and last event time matching the filter, or None when there is none."""
    where, params = _where(flt, rollup=True)
    rows = db.query(f"SELECT MIN(first_ms), MAX(last_ms) FROM usage_rollup WHERE {where}", params)
    db.commit()
    if not rows or rows[0][0] is None:
        return None
    return int(rows[0][0]), int(rows[0][1])


@dataclass(frozen=True, slots=True)
class EventPoint:
    """One event reduced to what 5-hour blocks need."""

    ts_ms: int
    source: str
    model: str
    tokens: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    reasoning_tokens: int
    cost_usd: float | None


def event_points(
    db: Database, flt: UsageFilter, mode: CostMode, *, mine: bool = False
) -> list[EventPoint]:
    """Events in time order (for blocks, which depend on the gaps between events).

    ``mine``: only this machine's own events. On a team server the members' pushed events
    sit in the same table, and a subscription's 5-hour blocks and limits are the server
    owner's alone."""
    cost = _COST_EXPR[mode]
    where, params = _where(flt)
    if mine:
        where += " AND user_name = ''"
    rows = db.query(
        "SELECT ts_ms, source, model, total_tokens, input_tokens, output_tokens, "
        "cache_read_tokens, cache_write_5m_tokens + cache_write_1h_tokens, reasoning_tokens, "
        f"{cost} FROM usage_events WHERE {where} ORDER BY ts_ms",
        params,
    )
    db.commit()
    return [EventPoint(*r) for r in rows]


def observations_latest(db: Database) -> list[tuple[object, ...]]:
    """The newest reading of every (account, metric, window) of this machine's (on a team
    server, its members' pushed readings are theirs, not the server's)."""
    rows = db.query(
        "SELECT o.account, o.metric, o.window_name, o.value, o.limit_value, o.unit, "
        "o.resets_at_ms, o.ts_ms, o.kind, o.meta FROM observations AS o "
        "JOIN (SELECT account, metric, window_name, MAX(ts_ms) AS ts FROM observations "
        "WHERE user_name = '' GROUP BY account, metric, window_name) AS n "
        "ON n.account = o.account AND n.metric = o.metric AND n.window_name = o.window_name "
        "AND n.ts = o.ts_ms WHERE o.user_name = '' ORDER BY o.account, o.metric, o.window_name"
    )
    db.commit()
    return rows


def window_readings(db: Database, since_ms: int) -> list[tuple[object, ...]]:
    """'Percent used' readings of subscription windows since ``since_ms``, oldest first:
    (account, window, ts_ms, value, resets_at_ms, source, meta)."""
    rows = db.query(
        "SELECT account, window_name, ts_ms, value, resets_at_ms, source, meta "
        "FROM observations WHERE user_name = '' AND metric = :metric AND ts_ms >= :since "
        "ORDER BY ts_ms",
        {"since": since_ms, "metric": WINDOW_USED_PERCENT},
    )
    db.commit()
    return rows


def event_counts(db: Database) -> list[tuple[object, ...]]:
    """Per source: visible events, first and last event time."""
    rows = db.query(
        "SELECT source, COUNT(*), MIN(ts_ms), MAX(ts_ms) FROM usage_events "
        "WHERE hidden = 0 GROUP BY source ORDER BY source"
    )
    db.commit()
    return rows
