"""The metrics aiusage exports, declared once: name, type, unit, labels and help.

Why one table: ``/metrics`` (Prometheus text), the docs and any other exporter read the
same declarations, so a unit or a help text cannot differ between them (glances' habit).
Totals are all-time sums over the store (counters that only grow as usage is recorded);
ratios are gauges between 0 and 1 (or above, when a limit is exceeded).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiusage.dashboard.changes import markers
from aiusage.dashboard.daily import ZERO, Sums, add, daily_cells
from aiusage.dashboard.standing import cached_budgets, cached_limits
from aiusage.store.health import load_health

if TYPE_CHECKING:
    from aiusage.app import App


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    type: str  # 'counter' | 'gauge'
    unit: str
    labels: tuple[str, ...]
    help: str


METRICS: tuple[Metric, ...] = (
    Metric(
        "aiusage_cost_usd_total",
        "counter",
        "USD",
        ("source", "model"),
        "Money spent, all time, in the configured cost mode (reported cost where known).",
    ),
    Metric(
        "aiusage_tokens_total",
        "counter",
        "tokens",
        ("source", "type"),
        "Tokens used, all time, by type: input (uncached), output, cache_read, cache_write.",
    ),
    Metric(
        "aiusage_requests_total",
        "counter",
        "requests",
        ("source",),
        "Requests made, all time.",
    ),
    Metric(
        "aiusage_limit_used_ratio",
        "gauge",
        "ratio",
        ("source", "window"),
        "Share of a subscription window or rate limit used now (1 = exhausted).",
    ),
    Metric(
        "aiusage_budget_used_ratio",
        "gauge",
        "ratio",
        ("budget",),
        "Share of a budget used in its current period (1 = the limit).",
    ),
    Metric(
        "aiusage_account_up",
        "gauge",
        "boolean",
        ("account", "status"),
        "1 when the provider account's last collection succeeded, else 0.",
    ),
    # A team server's (docs/team.md); none on a server without members.
    Metric(
        "aiusage_team_member_cost_usd",
        "gauge",
        "USD",
        ("user", "department", "period"),
        "A team member's spend so far this period (today, week, month), server's zone.",
    ),
    Metric(
        "aiusage_team_member_tokens",
        "gauge",
        "tokens",
        ("user", "department", "period"),
        "A team member's tokens so far this period (today, week, month).",
    ),
    Metric(
        "aiusage_team_member_last_seen_timestamp_seconds",
        "gauge",
        "seconds",
        ("user",),
        "When a team member's token was last used, to the minute (Unix time).",
    ),
)

UP = ("ok", "degraded")  # degraded: collected, one capability refused
Sample = tuple[tuple[str, ...], float]  # label values in the metric's label order, value


def samples(app: App, now_ms: int | None = None) -> dict[str, list[Sample]]:
    """Metric name -> its samples now."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    cells = daily_cells(app, now)
    marks = markers(app)
    per_model: dict[tuple[str, str], float] = {}
    per_source: dict[str, Sums] = {}
    for by_key in cells.days.values():
        for key, s in by_key.items():
            per_model[key] = per_model.get(key, 0.0) + s.cost
    for per in cells.by_source.values():
        for source, s in per.items():
            per_source[source] = add(per_source.get(source, ZERO), s)
    out: dict[str, list[Sample]] = {m.name: [] for m in METRICS}
    out["aiusage_cost_usd_total"] = [(k, round(v, 6)) for k, v in sorted(per_model.items())]
    for source, s in sorted(per_source.items()):
        for kind, value in (
            ("input", s.input),
            ("output", s.output),
            ("cache_read", s.cache_read),
            ("cache_write", s.cache_write),
        ):
            out["aiusage_tokens_total"].append(((source, kind), float(value)))
        out["aiusage_requests_total"].append(((source,), float(s.requests)))
    for row in cached_limits(app, marks, now):
        if row.used_percent is not None:
            out["aiusage_limit_used_ratio"].append(
                ((row.source, row.window), round(row.used_percent / 100, 6))
            )
    for b in cached_budgets(app, marks, now):
        out["aiusage_budget_used_ratio"].append(((b.budget.name,), b.percent / 100))
    health = load_health(app.store.db)
    for account in app.accounts.all():
        if not account.enabled:
            continue
        h = health.get(account.name)
        status = h.status if h is not None else "never_collected"
        out["aiusage_account_up"].append(((account.name, status), float(status in UP)))
    from aiusage.team_metrics import team_samples

    out.update(team_samples(app, now))
    return out
