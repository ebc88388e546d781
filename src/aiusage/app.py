"""The facade every front end uses: open the app, refresh from sources, ask for reports.

Front ends (CLI, TUI, web) import this module and ``records`` only; what they get back are
plain dataclasses they can render or serialise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiusage.accounts import parse_interval
from aiusage.analytics.blocks import (
    Block,
    block_json,
    build_blocks,
    limit_status,
    resolve_token_limit,
)
from aiusage.analytics.limits import LimitRow, Reading
from aiusage.analytics.plans import PLANS, Plan
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
from aiusage.app_features import Features
from aiusage.config import Config, load_config
from aiusage.demo import run_demo, start_demo, start_fakes, wait_forever
from aiusage.errors import AiusageError, ConfigError
from aiusage.ingest import Pricer, Progress, ScanReport, default_sources, scan
from aiusage.limits import Limits, compute_limits, configured_plans, stored_readings
from aiusage.pricing import parse_overrides
from aiusage.records import CostMode
from aiusage.sources.logs.base import LogSource, OneFile, with_roots
from aiusage.statusline import StatusLine
from aiusage.statusline import render as render_statusline
from aiusage.store import Store, open_store
from aiusage.store.queries import UsageFilter, aggregate, event_counts, event_points, time_range
from aiusage.version import package_version

if TYPE_CHECKING:
    from aiusage.daemon import Daemon

__all__ = [
    "KEYS",
    "PLANS",
    "AiusageError",
    "App",
    "AppContext",
    "Block",
    "LimitRow",
    "Limits",
    "Period",
    "Plan",
    "Report",
    "ReportOptions",
    "ReportRow",
    "ScanReport",
    "SourceStatus",
    "StatusLine",
    "Summary",
    "Totals",
    "block_json",
    "limit_status",
    "open_app",
    "package_version",
    "parse_interval",
    "render_statusline",
    "resolve_token_limit",
    "run_demo",
    "start_demo",
    "start_fakes",
    "wait_forever",
]

AGENT_ALIASES = {
    "claude": "claude-code",
    "gemini-cli": "gemini",
    "qwen-code": "qwen",
    "kimi-cli": "kimi",
    "kimi-code": "kimi",
    "ampcode": "amp",
    "factory": "droid",
}


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


@dataclass(slots=True)
class SourceStatus:
    """One agent: where it looks, what is there, what is stored and what was skipped."""

    name: str
    roots: list[tuple[str, bool]]  # (directory, exists)
    files: int
    events: int
    first_ms: int | None
    last_ms: int | None
    malformed: int
    errors: list[str]


HOUR_MS = 3_600_000
DAY_MS = 86_400_000


class App(Features):
    def __init__(
        self, config: Config, store: Store, sources: Sequence[LogSource] | None = None
    ) -> None:
        self.config = config
        self.store = store
        self._sources = list(sources) if sources is not None else None

    @property
    def sources(self) -> list[LogSource]:
        """Every agent's reader, loaded on first use (the statusline never needs them all)."""
        if self._sources is None:
            self._sources = [self._placed(s) for s in default_sources()]
        return self._sources

    def _placed(self, source: LogSource) -> LogSource:
        """The reader, on the folders ``[agents]`` names for it (if any)."""
        dirs = self.config.agent_paths.get(source.name)
        return source if dirs is None else with_roots(source, dirs)

    def source(self, name: str) -> LogSource | None:
        if self._sources is None:
            from aiusage.plugins import log_source

            found = log_source(name)
            return None if found is None else self._placed(found)
        return next((s for s in self._sources if s.name == name), None)

    def pricer(self) -> Pricer:
        """Prices for new records: the price table with the config file's overrides."""
        return Pricer(self.store, parse_overrides(self.config.price_overrides))

    def daemon(self, on_tick: Callable[[], None] | None = None, **settings: Any) -> Daemon:
        """The collector that keeps running: accounts on their intervals, agent logs.
        ``settings`` are ``DaemonOptions`` fields (logs_interval_s, backfill_days, …)."""
        from aiusage.daemon import Daemon, DaemonOptions

        return Daemon(self, DaemonOptions(**settings), on_tick=on_tick)

    def close(self) -> None:
        self.store.close()

    # -- collection ---------------------------------------------------------------------
    def refresh(self, progress: Progress | None = None, agents: Sequence[str] = ()) -> ScanReport:
        """Read what is new in every agent's logs into the store."""
        wanted = set(normalize_agents(agents))
        sources = [s for s in self.sources if not wanted or s.name in wanted]
        return scan(self.store, sources, self.pricer(), progress=progress)

    def looked_in(self) -> list[str]:
        return [str(r) for s in self.sources for r in s.roots()]

    # -- reports ------------------------------------------------------------------------
    def tz(self, name: str | None) -> tzinfo:
        return resolve_tz(name or self.config.timezone)

    def use_timezone(self, name: str | None) -> None:
        """Group days in ``name`` from now on (a long-running front end's --tz; the views
        take the configured zone). Unknown names raise ConfigError."""
        if name:
            self.tz(name)
            self.config = replace(self.config, timezone=name)

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

    def blocks(self, opts: ReportOptions, hours: int = 5, now_ms: int | None = None) -> list[Block]:
        """Each agent's 5-hour blocks (all history: a block depends on what came before,
        so --since/--until only choose which blocks are shown)."""
        tz = self.tz(opts.tz)
        flt = self._filter(opts, tz)
        everything = UsageFilter(sources=flt.sources, project=flt.project)
        points = event_points(self.store.db, everything, self._mode(opts), mine=True)
        now = now_ms if now_ms is not None else _now_ms()
        blocks = [
            b
            for b in build_blocks(points, now, hours)
            if (flt.since_ms is None or b.end_ms > flt.since_ms)
            and (flt.until_ms is None or b.start_ms < flt.until_ms)
        ]
        return blocks[::-1] if opts.descending else blocks

    def recent_blocks(self, agents: Sequence[str], now_ms: int, hours: int = 5) -> list[Block]:
        """The latest blocks without reading all history: look back until a silence longer
        than a block (where block boundaries restart) is in view, at most 16 days."""
        sources = normalize_agents(agents)
        lookback = DAY_MS
        while True:
            since = now_ms - lookback
            flt = UsageFilter(since_ms=since, sources=sources)
            points = event_points(self.store.db, flt, self._mode(ReportOptions()), mine=True)
            gap = hours * HOUR_MS
            stamps = [since, *(p.ts_ms for p in points)]
            if lookback >= 16 * DAY_MS or any(b - a > gap for a, b in pairwise(stamps)):
                return build_blocks(points, now_ms, hours)
            lookback *= 2

    # -- limits ------------------------------------------------------------------------
    def plans(self) -> dict[str, Plan]:
        """The configured plan of each agent (``[plans]`` in the config file)."""
        return configured_plans(self.config.plans)

    def limits(self, now_ms: int | None = None, fetch: bool = False) -> Limits:
        """Every window of every agent: official readings first, then estimates."""
        return compute_limits(self, now_ms if now_ms is not None else _now_ms(), fetch)

    def latest_readings(self, account: str, now_ms: int) -> list[Reading]:
        return [r for r in stored_readings(self, now_ms - 8 * DAY_MS) if r.account == account]

    def statusline(self, hook: Mapping[str, Any], now_ms: int | None = None) -> StatusLine:
        """Record a Claude Code statusline payload and sum up for its one line."""
        from aiusage.statusline import build

        return build(self, hook, now_ms if now_ms is not None else _now_ms())

    def refresh_file(self, path: Path, agent: str) -> ScanReport:
        """Read what is new in one log file of one agent (the statusline's transcript)."""
        source = self.source(agent)
        if source is None or not path.is_file():
            return ScanReport()
        return scan(self.store, [OneFile(source, path)], self.pricer(), only_path=str(path))

    def today_cost(self, now_ms: int, agents: Sequence[str] = ()) -> tuple[float, int]:
        """Today's cost (local day) and how many of today's requests have no known price."""
        tz = self.tz(None)
        today = local_date(now_ms, tz)
        opts = ReportOptions(since=today, until=today, agents=tuple(agents))
        flt = self._filter(opts, tz)
        self.store.refresh_rollup()
        offsets = offset_segments(tz, flt.since_ms or now_ms, now_ms)
        rows = aggregate(self.store.db, flt, self._mode(opts), by_day=True, offsets=offsets)
        return sum(r.cost_usd for r in rows), sum(r.unpriced for r in rows)

    # -- sources ------------------------------------------------------------------------
    def source_status(self, scan: ScanReport) -> list[SourceStatus]:
        counts = {str(r[0]): r for r in event_counts(self.store.db)}
        summaries = {s.name: s for s in scan.sources}
        out = []
        for source in self.sources:
            row = counts.get(source.name)
            summary = summaries.get(source.name)
            out.append(
                SourceStatus(
                    name=source.name,
                    roots=[(str(r), r.is_dir()) for r in source.roots()],
                    files=summary.files if summary else 0,
                    events=int(str(row[1])) if row else 0,
                    first_ms=int(str(row[2])) if row else None,
                    last_ms=int(str(row[3])) if row else None,
                    malformed=summary.malformed if summary else 0,
                    errors=list(summary.errors) if summary else [],
                )
            )
        return out

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
    return App(config, store, ctx.sources)


def _now_ms() -> int:
    return int(time.time() * 1000)
