"""The facade every front end uses: open the app, refresh from sources, ask for reports.

Front ends (CLI, TUI, web) import this module and ``records`` only; what they get back are
plain dataclasses they can render or serialise.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from aiusage.analytics.blocks import Block, block_json, build_blocks
from aiusage.analytics.reports import KEYS, Period, Report, ReportRow, build_report
from aiusage.analytics.timezones import (
    day_number_to_date,
    local_date,
    local_midnight_ms,
    offset_segments,
    parse_start_of_week,
    resolve_tz,
    week_start,
)
from aiusage.analytics.totals import Totals
from aiusage.config import Config, load_config
from aiusage.errors import AiusageError, ConfigError
from aiusage.ingest import Pricer, Progress, ScanReport, default_sources, scan
from aiusage.pricing import parse_overrides
from aiusage.records import CostMode
from aiusage.sources.logs.base import LogSource
from aiusage.store import Store, open_store
from aiusage.store.queries import UsageFilter, aggregate, event_points, time_range

__all__ = [
    "KEYS",
    "AiusageError",
    "App",
    "AppContext",
    "Block",
    "Period",
    "Report",
    "ReportOptions",
    "ReportRow",
    "ScanReport",
    "Summary",
    "Totals",
    "block_json",
    "open_app",
]

AGENT_ALIASES = {"claude": "claude-code", "claude-code": "claude-code", "codex": "codex"}


@dataclass(frozen=True, slots=True)
class AppContext:
    """What a front end knows at start-up; everything else comes from the config file."""

    database_url: str | None = None
    config_path: Path | None = None
    sources: Sequence[LogSource] | None = None  # tests inject readers with explicit roots


@dataclass(frozen=True, slots=True)
class ReportOptions:
    since: date | None = None
    until: date | None = None
    tz: str | None = None
    start_of_week: str | None = None
    agents: tuple[str, ...] = ()
    project: str | None = None
    instances: bool = False
    mode: str | None = None
    descending: bool = False


@dataclass(slots=True)
class Summary:
    """Today, this week and this month, per agent and in total."""

    tz: str
    today: date
    periods: dict[str, dict[str, Totals]] = field(default_factory=dict)  # period → agent → sums


class App:
    def __init__(self, config: Config, store: Store, sources: Sequence[LogSource]) -> None:
        self.config = config
        self.store = store
        self.sources = list(sources)

    def close(self) -> None:
        self.store.close()

    # -- collection ---------------------------------------------------------------------
    def refresh(self, progress: Progress | None = None, agents: Sequence[str] = ()) -> ScanReport:
        """Read what is new in every agent's logs into the store."""
        wanted = set(normalize_agents(agents))
        sources = [s for s in self.sources if not wanted or s.name in wanted]
        pricer = Pricer(self.store, parse_overrides(self.config.price_overrides))
        return scan(self.store, sources, pricer, progress=progress)

    def looked_in(self) -> list[str]:
        return [str(r) for s in self.sources for r in s.roots()]

    # -- reports ------------------------------------------------------------------------
    def tz(self, name: str | None) -> tzinfo:
        return resolve_tz(name or self.config.timezone)

    def tz_name(self, name: str | None) -> str:
        tz = self.tz(name)
        return str(getattr(tz, "key", None) or tz.tzname(datetime.now(tz)) or "UTC")

    def _filter(self, opts: ReportOptions, tz: tzinfo) -> UsageFilter:
        if opts.since and opts.until and opts.since > opts.until:
            raise ConfigError("--since is after --until", hint="swap the two dates")
        return UsageFilter(
            since_ms=local_midnight_ms(opts.since, tz) if opts.since else None,
            until_ms=(
                local_midnight_ms(opts.until + timedelta(days=1), tz) if opts.until else None
            ),
            sources=normalize_agents(opts.agents),
            project=opts.project,
        )

    def _mode(self, opts: ReportOptions) -> CostMode:
        name = (opts.mode or self.config.cost_mode).lower()
        try:
            return CostMode(name)
        except ValueError:
            raise ConfigError(
                f"unknown cost mode {name!r}", hint="use auto, calculate or display"
            ) from None

    def report(self, period: Period, opts: ReportOptions) -> Report:
        self.store.refresh_rollup()
        tz = self.tz(opts.tz)
        flt = self._filter(opts, tz)
        start_of_week = parse_start_of_week(opts.start_of_week or self.config.start_of_week)
        span = time_range(self.store.db, flt)
        if span is None:
            return build_report(period, [], start_of_week=start_of_week)
        offsets = offset_segments(tz, span[0], span[1])
        rows = aggregate(
            self.store.db,
            flt,
            self._mode(opts),
            by_day=period is not Period.SESSION,
            by_session=period is Period.SESSION,
            offsets=offsets,
        )
        return build_report(
            period,
            rows,
            start_of_week=start_of_week,
            instances=opts.instances,
            descending=opts.descending,
        )

    def blocks(self, opts: ReportOptions, hours: int = 5) -> list[Block]:
        tz = self.tz(opts.tz)
        points = event_points(self.store.db, self._filter(opts, tz), self._mode(opts))
        blocks = build_blocks(points, int(time.time() * 1000), hours)
        return blocks[::-1] if opts.descending else blocks

    def summary(self, tz_name: str | None = None) -> Summary:
        tz = self.tz(tz_name)
        today = local_date(int(time.time() * 1000), tz)
        week = week_start(today, parse_start_of_week(self.config.start_of_week))
        starts = {"today": today, "week": week, "month": today.replace(day=1)}
        result = Summary(tz=self.tz_name(tz_name), today=today)
        result.periods = {name: {} for name in starts}
        self.store.refresh_rollup()
        opts = ReportOptions(since=min(starts.values()), until=today, tz=tz_name)
        flt = self._filter(opts, tz)
        span = time_range(self.store.db, flt)
        if span is None:
            return result
        offsets = offset_segments(tz, span[0], span[1])
        for row in aggregate(self.store.db, flt, self._mode(opts), by_day=True, offsets=offsets):
            assert row.day is not None
            day = day_number_to_date(row.day)
            for name, start in starts.items():
                if day >= start:
                    result.periods[name].setdefault(row.source, Totals()).add(row)
        return result


def normalize_agents(agents: Sequence[str]) -> tuple[str, ...]:
    out = []
    for a in agents:
        for part in a.split(","):
            name = part.strip().lower()
            if not name:
                continue
            out.append(AGENT_ALIASES.get(name, name))
    return tuple(dict.fromkeys(out))


def open_app(ctx: AppContext | None = None) -> App:
    ctx = ctx or AppContext()
    config = load_config(ctx.config_path)
    url = ctx.database_url or config.database_url
    store = open_store(url)
    sources = list(ctx.sources) if ctx.sources is not None else default_sources()
    return App(config, store, sources)
