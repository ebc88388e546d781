"""Putting limits together for the facade: stored readings, opt-in official endpoints,
configured plans and local blocks. Kept out of ``app`` so each module stays one job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiusage.analytics.blocks import build_blocks
from aiusage.analytics.limits import LimitRow, Reading, estimated_rows, merge, official_rows
from aiusage.analytics.plans import PLANS, Plan, find_plan
from aiusage.errors import AiusageError, ConfigError
from aiusage.records import CostMode, Observation
from aiusage.store.queries import UsageFilter, event_points, window_readings

if TYPE_CHECKING:
    from aiusage.app import App

DAY_MS = 86_400_000


@dataclass(slots=True)
class Limits:
    """Every window of every agent/account, and what went wrong fetching official ones."""

    rows: list[LimitRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def configured_plans(names: dict[str, str]) -> dict[str, Plan]:
    from aiusage.app import normalize_agents

    out: dict[str, Plan] = {}
    for agent, name in names.items():
        plan = find_plan(name)
        if plan is None:
            raise ConfigError(
                f"unknown plan {name!r} for {agent}",
                hint="one of: " + ", ".join(sorted(PLANS)) + " (aiusage limits --plans)",
            )
        out[normalize_agents([agent])[0]] = plan
    return out


def fetch_official(app: App) -> list[str]:
    """Ask the opted-in official endpoints and store what they say. Returns the errors:
    one failing endpoint never stops the others or the report."""
    jobs: list[tuple[str, Callable[[], list[Observation]]]] = []
    if app.config.claude_oauth_usage:
        from aiusage.sources.subscriptions.claude_oauth import fetch_claude_usage

        claude_url = app.config.claude_oauth_base_url
        jobs.append(("Claude OAuth usage", lambda: fetch_claude_usage(base_url=claude_url)))
    if app.config.codex_usage_api:
        from aiusage.sources.subscriptions.codex_usage import fetch_codex_usage

        codex_url = app.config.codex_usage_base_url
        jobs.append(("ChatGPT Codex usage", lambda: fetch_codex_usage(base_url=codex_url)))
    errors: list[str] = []
    for label, fetch in jobs:
        try:
            app.store.add_observations(fetch())
        except AiusageError as exc:
            errors.append(f"{label}: {exc}")
    return errors


def stored_readings(app: App, since_ms: int) -> list[Reading]:
    return [
        Reading(
            account=str(r[0]),
            window=str(r[1]),
            ts_ms=int(str(r[2])),
            value=float(str(r[3])),
            resets_at_ms=None if r[4] is None else int(str(r[4])),
            source=str(r[5]),
        )
        for r in window_readings(app.store.db, since_ms)
    ]


def compute_limits(app: App, now_ms: int, fetch: bool) -> Limits:
    result = Limits()
    if fetch:
        result.errors = fetch_official(app)
    result.rows = limit_rows(app, now_ms, UsageFilter(since_ms=now_ms - 30 * DAY_MS))
    return result


def limit_rows(app: App, now_ms: int, flt: UsageFilter) -> list[LimitRow]:
    """Stored official readings merged with estimates from the events ``flt`` selects
    (the last 30 days: blocks, and this UTC month's requests per source)."""
    official = official_rows(stored_readings(app, now_ms - 8 * DAY_MS), now_ms)
    points = event_points(app.store.db, flt, CostMode.AUTO, mine=True)
    month_start = datetime.fromtimestamp(now_ms / 1000, UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    start_ms = int(month_start.timestamp() * 1000)
    month_requests: dict[str, int] = {}
    for p in points:
        if p.ts_ms >= start_ms:
            month_requests[p.source] = month_requests.get(p.source, 0) + 1
    estimated = estimated_rows(
        build_blocks(points, now_ms),
        app.plans(),
        now_ms,
        month_requests,
        int(next_month.timestamp() * 1000),
    )
    return merge(official, estimated)
