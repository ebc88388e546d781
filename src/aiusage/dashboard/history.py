"""History: cost, tokens or requests over a range, per source, model or provider.

Day ranges come from the in-memory day sums (``daily.py``); the last 24 hours are read
per local hour from the rollup (a small range). Besides the series: spend by provider
and model (the donut), a year of daily spend (the calendar), token efficiency and cost
per request, and the same-length period before for comparison.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiusage.analytics.timezones import local_date, local_midnight_ms
from aiusage.dashboard.daily import (
    HOUR_MS,
    Sums,
    daily_cells,
    day_number,
    day_of,
    grouped,
)
from aiusage.dashboard.shapes import iso_in
from aiusage.errors import ConfigError

if TYPE_CHECKING:
    from aiusage.app import App

RANGES = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
METRICS = ("cost", "tokens", "requests")
GROUPS = ("source", "model", "provider")
CALENDAR_DAYS = 365
MAX_DAYS = 3660
MAX_SERIES = 12  # the rest are summed into "other"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    range: str = "7d"
    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()
    metric: str = "cost"
    group: str = "source"


def value_of(metric: str) -> Callable[[Sums], float]:
    if metric == "tokens":
        return lambda s: float(s.tokens)
    if metric == "requests":
        return lambda s: float(s.requests)
    return lambda s: s.cost


def history(app: App, q: HistoryQuery, now_ms: int | None = None) -> dict[str, Any]:
    if q.metric not in METRICS:
        raise ConfigError(f"unknown metric {q.metric!r}", hint="use cost, tokens or requests")
    if q.group not in GROUPS:
        raise ConfigError(f"unknown group {q.group!r}", hint="use source, model or provider")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    from aiusage.app import normalize_agents

    sources = normalize_agents(q.sources)
    wanted = set(sources)
    cells = daily_cells(app, now)
    zone = app.tz(None)
    iso = iso_in(zone)
    today = local_date(now, zone)
    t = day_number(today)

    def name_of(source: str, model: str) -> str:
        if q.group == "model":
            return model or "(unknown)"
        if q.group == "provider":
            return cells.provider(source, model) or "unknown"
        return source

    # (bucket index, source, model, sums) of the current period; of the one before, its cost
    current: list[tuple[int, str, str, Sums]] = []
    before = 0.0
    if q.range == "24h":
        bucket = "hour"
        last_hour = _local_hour(now, zone)
        first_hour = last_hour - 23
        since = _hour_start(first_hour - 24, zone)
        labels = [iso(_hour_start(h, zone)) for h in range(first_hour, last_hour + 1)]
        for h, source, model, s in grouped(
            app.store.db, zone, cells.mode, since, now + HOUR_MS, HOUR_MS, sources
        ):
            if first_hour <= h <= last_hour:
                current.append((h - first_hour, source, model, s))
            elif first_hour - 24 <= h < first_hour:
                before += s.cost
    else:
        bucket = "day"
        first_day, last_day = _days(q, today)
        n = last_day - first_day + 1
        labels = [iso(local_midnight_ms(day_of(d), zone)) for d in range(first_day, last_day + 1)]
        for d, by_key in cells.between(first_day, last_day).items():
            for (source, model), s in by_key.items():
                if not wanted or source in wanted:
                    current.append((d - first_day, source, model, s))
        for per in cells.sources_between(first_day - n, first_day - 1).values():
            before += sum(s.cost for src, s in per.items() if not wanted or src in wanted)

    value = value_of(q.metric)
    per_name: dict[str, list[float]] = {}
    providers: dict[str, dict[str, float]] = {}
    sums = [0.0] * 7  # cost, input, output, cache read, cache write, requests, unpriced
    for i, source, model, s in current:
        row = per_name.get(name := name_of(source, model))
        if row is None:
            row = per_name[name] = [0.0] * len(labels)
        row[i] += value(s)
        models = providers.setdefault(cells.provider(source, model) or "unknown", {})
        label = model or "(unknown)"
        models[label] = models.get(label, 0.0) + s.cost
        sums[0] += s.cost
        sums[1] += s.input
        sums[2] += s.output
        sums[3] += s.cache_read
        sums[4] += s.cache_write
        sums[5] += s.requests
        sums[6] += s.unpriced
    cost, inp, out, c_read, c_write, requests, unpriced = sums
    total = Sums(
        cost, int(unpriced), int(inp), int(out), int(c_read), int(c_write), 0, int(requests), 0, 0
    )
    calendar: dict[int, float] = {}
    for d, per in cells.sources_between(t - CALENDAR_DAYS + 1, t).items():
        calendar[d] = sum(s.cost for src, s in per.items() if not wanted or src in wanted)
    tokens_in = total.input + total.cache_read + total.cache_write
    return {
        "range": q.range,
        "metric": q.metric,
        "group": q.group,
        "bucket": bucket,
        "buckets": labels,
        "series": _series(per_name),
        "by_provider": [
            {
                "provider": p,
                "usd": round(sum(models.values()), 6),
                "models": [
                    {"model": m, "usd": round(u, 6)}
                    for m, u in sorted(models.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            }
            for p, models in sorted(providers.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "calendar": [
            {"day": day_of(d).isoformat(), "usd": round(calendar.get(d, 0.0), 6)}
            for d in range(t - CALENDAR_DAYS + 1, t + 1)
        ],
        "efficiency": {
            "output_per_input": round(total.output / tokens_in, 4) if tokens_in else None,
            "cost_per_request": round(total.cost / total.requests, 6) if total.requests else None,
        },
        "compare": {
            "previous_usd": round(before, 6),
            "current_usd": round(total.cost, 6),
            "change_percent": round((total.cost - before) / before * 100, 2) if before else None,
        },
        "totals": {
            "usd": round(total.cost, 6),
            "tokens": total.tokens,
            "requests": total.requests,
            "unpriced": total.unpriced,
        },
    }


def _days(q: HistoryQuery, today: date) -> tuple[int, int]:
    """First and last local day number of a day range."""
    if q.range == "custom":
        until = q.until or today
        since = q.since or until - timedelta(days=29)
        if since > until:
            raise ConfigError("since is after until", hint="swap the two dates")
        if (until - since).days >= MAX_DAYS:
            raise ConfigError(f"a range is at most {MAX_DAYS} days", hint="pick a shorter one")
        return day_number(since), day_number(until)
    days = RANGES.get(q.range)
    if days is None:
        raise ConfigError(f"unknown range {q.range!r}", hint="use 24h, 7d, 30d, 90d or custom")
    return day_number(today) - days + 1, day_number(today)


def _series(per_name: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Largest first; beyond ``MAX_SERIES`` the smallest are summed into 'other'."""
    ranked = sorted(per_name.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    kept, rest = ranked[:MAX_SERIES], ranked[MAX_SERIES:]
    if rest:
        other = [sum(col) for col in zip(*(v for _, v in rest), strict=True)]
        kept.append((OTHER, other))
    return [{"name": name, "values": [round(v, 6) for v in values]} for name, values in kept]


def _local_hour(ts_ms: int, zone: Any) -> int:
    off = datetime.fromtimestamp(ts_ms / 1000, zone).utcoffset() or timedelta(0)
    return (ts_ms + int(off.total_seconds() * 1000)) // HOUR_MS


def _hour_start(hour: int, zone: Any) -> int:
    """UTC ms at which local hour number ``hour`` begins (the offset found in two steps)."""
    guess = hour * HOUR_MS
    for _ in range(2):
        off = datetime.fromtimestamp(guess / 1000, zone).utcoffset() or timedelta(0)
        guess = hour * HOUR_MS - int(off.total_seconds() * 1000)
    return guess
