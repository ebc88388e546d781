"""The facade's insight side: end-of-period forecasts and spend spikes.

Reached as ``App.insights``. Series are read from the store in the user's time zone and
cost mode (the same numbers `aiusage daily` shows); the statistics are the pure functions
of ``analytics.forecast`` and ``analytics.anomalies``.
"""

from __future__ import annotations

import bisect
import calendar
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from aiusage.analytics.anomalies import DAILY, HOURLY, Settings, detect_spikes
from aiusage.analytics.forecast import MAX_HISTORY, Forecast, forecast_period
from aiusage.analytics.limits import LimitRow
from aiusage.analytics.timezones import (
    day_number_to_date,
    local_date,
    local_midnight_ms,
    offset_segments,
    parse_start_of_week,
    week_start,
)
from aiusage.errors import ConfigError
from aiusage.store.queries import UsageFilter, aggregate, event_points

if TYPE_CHECKING:
    from aiusage.app import App

HOUR_MS = 3_600_000
TOTAL = "total"
#: (first day, last day) -> source -> local day -> USD
DailySpend = Callable[[date, date], dict[str, dict[date, float]]]
PERIODS = ("month", "week", "day")


@dataclass(frozen=True, slots=True)
class ScopeForecast:
    scope: str  # a source (agent or provider account), or TOTAL
    forecast: Forecast

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, **self.forecast.to_json()}


@dataclass(slots=True)
class ForecastReport:
    """Where each source's spend (and the total) is heading this period."""

    period: str  # 'month' | 'week' | 'day' | 'custom'
    start: date
    end: date
    today: date
    timezone: str
    rows: list[ScopeForecast] = field(default_factory=list)  # per source, TOTAL last
    windows: list[LimitRow] = field(default_factory=list)  # windows with a known burn rate

    def to_json(self, iso: Callable[[int | None], str | None]) -> dict[str, Any]:
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "today": self.today.isoformat(),
            "timezone": self.timezone,
            "forecasts": [r.to_json() for r in self.rows],
            "windows": [w.to_json(iso) for w in self.windows],
        }


@dataclass(frozen=True, slots=True)
class SpendAnomaly:
    source: str
    when: str  # the local day ('2026-03-04') or hour ('2026-03-04T14:00')
    start_ms: int  # when that day or hour began (UTC epoch ms)
    value_usd: float
    baseline_usd: float  # the trailing median
    score: float  # robust z-score: (value - baseline) / spread

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "when": self.when,
            "value_usd": round(self.value_usd, 4),
            "baseline_usd": round(self.baseline_usd, 4),
            "score": round(self.score, 2),
        }


@dataclass(slots=True)
class AnomalyReport:
    hourly: bool
    days: int
    sensitivity: float
    min_usd: float
    timezone: str
    anomalies: list[SpendAnomaly] = field(default_factory=list)  # newest first
    sources: list[str] = field(default_factory=list)  # the series that were looked at
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "granularity": "hour" if self.hourly else "day",
            "days": self.days,
            "sensitivity": self.sensitivity,
            "min_usd": self.min_usd,
            "timezone": self.timezone,
            "sources": self.sources,
            "anomalies": [a.to_json() for a in self.anomalies],
            "notes": self.notes,
        }


class InsightsApi:
    def __init__(self, app: App) -> None:
        self.app = app

    # -- forecasts -------------------------------------------------------------------------
    def forecast(
        self,
        sources: Sequence[str] = (),
        project: str | None = None,
        period: str = "month",
        since: date | None = None,
        until: date | None = None,
        tz: str | None = None,
        mode: str | None = None,
        now_ms: int | None = None,
        daily: DailySpend | None = None,
        windows: Sequence[LimitRow] | None = None,
    ) -> ForecastReport:
        """Each source's and the total's expected spend at the end of the period.

        ``daily`` (first, last day → spend per source per day) and ``windows`` (the limit
        rows) let a caller that keeps them in memory, the dashboard, skip the queries."""
        zone = self.app.tz(tz)
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        today = local_date(now, zone)
        name, start, end = self._period(period, since, until, today)
        first = min(start, today) - timedelta(days=MAX_HISTORY + 1)
        if daily is None:
            per_source = self.daily_spend(sources, project, first, max(end, today), zone, mode)
        else:
            per_source = daily(first, max(end, today))
        report = ForecastReport(name, start, end, today, self.app.tz_name(tz))
        total: dict[date, float] = {}
        for source, series in sorted(per_source.items()):
            report.rows.append(ScopeForecast(source, forecast_period(series, start, end, today)))
            for day, usd in series.items():
                total[day] = total.get(day, 0.0) + usd
        report.rows.append(ScopeForecast(TOTAL, forecast_period(total, start, end, today)))
        if project is None:
            wanted = set(self._sources(sources))
            rows = self.app.limits(now_ms=now).rows if windows is None else windows
            report.windows = [
                r for r in rows if r.burn_rate is not None and (not wanted or r.source in wanted)
            ]
        return report

    def _period(
        self, period: str, since: date | None, until: date | None, today: date
    ) -> tuple[str, date, date]:
        if since is not None or until is not None:
            if since is None or until is None:
                raise ConfigError(
                    "a custom period needs both --since and --until",
                    hint="or use --period month | week | day",
                )
            if since > until:
                raise ConfigError("--since is after --until", hint="swap the two dates")
            return "custom", since, until
        if period == "month":
            last = calendar.monthrange(today.year, today.month)[1]
            return period, today.replace(day=1), today.replace(day=last)
        if period == "week":
            first = week_start(today, parse_start_of_week(self.app.config.start_of_week))
            return period, first, first + timedelta(days=6)
        if period == "day":
            return period, today, today
        raise ConfigError(f"unknown period {period!r}", hint="use month, week or day")

    def _sources(self, sources: Sequence[str]) -> tuple[str, ...]:
        from aiusage.app import normalize_agents

        return normalize_agents(sources)

    def daily_spend(
        self,
        sources: Sequence[str],
        project: str | None,
        first: date,
        last: date,
        zone: tzinfo,
        mode: str | None,
    ) -> dict[str, dict[date, float]]:
        """Spend per source per local day over ``first``..``last``."""
        from aiusage.app import ReportOptions

        opts = ReportOptions(
            since=first, until=last, agents=tuple(sources), project=project, mode=mode
        )
        flt = self.app._filter(opts, zone)
        assert flt.since_ms is not None and flt.until_ms is not None
        self.app.store.refresh_rollup()
        offsets = offset_segments(zone, flt.since_ms, flt.until_ms)
        out: dict[str, dict[date, float]] = {}
        rows = aggregate(self.app.store.db, flt, self.app._mode(opts), by_day=True, offsets=offsets)
        for row in rows:
            assert row.day is not None
            series = out.setdefault(row.source, {})
            day = day_number_to_date(row.day)
            series[day] = series.get(day, 0.0) + row.cost_usd
        return out

    # -- anomalies -------------------------------------------------------------------------
    def anomalies(
        self,
        sources: Sequence[str] = (),
        days: int = 30,
        hourly: bool = False,
        sensitivity: float | None = None,
        min_usd: float | None = None,
        project: str | None = None,
        tz: str | None = None,
        mode: str | None = None,
        now_ms: int | None = None,
    ) -> AnomalyReport:
        """Spend spikes per source over the last ``days`` days (each judged against the
        window before it, so the window before the first day is read too)."""
        if days < 1:
            raise ConfigError("--days must be at least 1", hint="e.g. --days 30")
        settings = HOURLY if hourly else DAILY
        if sensitivity is not None:
            if sensitivity <= 0:
                raise ConfigError("--sensitivity must be above 0", hint="the default is 3.5")
            settings = replace(settings, sensitivity=sensitivity)
        if min_usd is not None:
            settings = replace(settings, min_usd=max(min_usd, 0.0))
        zone = self.app.tz(tz)
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        report = AnomalyReport(
            hourly, days, settings.sensitivity, settings.min_usd, self.app.tz_name(tz)
        )
        if hourly:
            series = self._hourly(sources, project, days * 24 + settings.window, zone, mode, now)
            shown = days * 24
        else:
            today = local_date(now, zone)
            first = today - timedelta(days=days - 1 + settings.window)
            series = {
                s: _dense_days(v, first, today, zone)
                for s, v in self.daily_spend(sources, project, first, today, zone, mode).items()
            }
            shown = days
        for source, points in sorted(series.items()):
            report.sources.append(source)
            # Days before a source's first spend in view are not history: a new source's
            # first day is not a spike against a run of $0.
            while points and points[0][2] <= 0 and len(points) > shown:
                points = points[1:]
            report.anomalies += _spikes(source, points, settings, shown)
            before = [v for _, _, v in points[: max(len(points) - shown, 0)]]
            if len([v for v in before if v > 0 or not settings.active_only]) < (
                settings.min_history
            ):
                report.notes.append(_short_note(source, settings))
        report.anomalies.sort(key=lambda a: (-a.start_ms, a.source))
        return report

    def _hourly(
        self,
        sources: Sequence[str],
        project: str | None,
        hours: int,
        zone: tzinfo,
        mode: str | None,
        now_ms: int,
    ) -> dict[str, list[tuple[str, int, float]]]:
        """Spend per source per local hour, the last ``hours`` hours up to now."""
        from aiusage.app import ReportOptions

        opts = ReportOptions(mode=mode)
        since_ms = now_ms - hours * HOUR_MS
        flt = UsageFilter(
            since_ms=since_ms, sources=self._sources(sources), project=project, until_ms=now_ms
        )
        offsets = offset_segments(zone, since_ms, now_ms)
        starts = [s for s, _ in offsets]

        def local_hour(ts_ms: int) -> int:
            return (ts_ms + _offset_at(offsets, starts, ts_ms)) // HOUR_MS

        first, last = local_hour(since_ms) + 1, local_hour(now_ms)
        sums: dict[str, list[float]] = {}
        for p in event_points(self.app.store.db, flt, self.app._mode(opts)):
            key = local_hour(p.ts_ms)
            if first <= key <= last:
                row = sums.setdefault(p.source, [0.0] * (last - first + 1))
                row[key - first] += p.cost_usd or 0.0
        labels = []
        for key in range(first, last + 1):
            local = datetime(1970, 1, 1) + timedelta(hours=key)
            guess = key * HOUR_MS - _offset_at(offsets, starts, key * HOUR_MS)
            start = key * HOUR_MS - _offset_at(offsets, starts, guess)
            labels.append((local.strftime("%Y-%m-%dT%H:00"), start))
        return {
            s: [(label, start, v) for (label, start), v in zip(labels, row, strict=True)]
            for s, row in sums.items()
        }


def _offset_at(offsets: Sequence[tuple[int, int]], starts: Sequence[int], ts_ms: int) -> int:
    return offsets[max(bisect.bisect_right(starts, ts_ms) - 1, 0)][1]


def _dense_days(
    series: dict[date, float], first: date, last: date, zone: tzinfo
) -> list[tuple[str, int, float]]:
    out = []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        out.append((day.isoformat(), local_midnight_ms(day, zone), series.get(day, 0.0)))
    return out


def _spikes(
    source: str, points: Sequence[tuple[str, int, float]], settings: Settings, shown: int
) -> list[SpendAnomaly]:
    values = [v for _, _, v in points]
    return [
        SpendAnomaly(source, points[a.index][0], points[a.index][1], a.value, a.baseline, a.score)
        for a in detect_spikes(values, settings)
        if a.index >= len(values) - shown
    ]


def _short_note(source: str, settings: Settings) -> str:
    unit = "hours with spend" if settings.active_only else "days"
    return (
        f"{source}: fewer than {settings.min_history} {unit} before the period; "
        "its first points are not judged"
    )
