"""The JSON shapes the CLI's ``--json`` prints, as functions the HTTP API shares.

Why here: ``/api/v1/budgets`` must answer "exactly as ``aiusage budgets --json``", so the
rows are built once from the facade's dataclasses. Non-finite numbers (a budget of $0
that was spent on is infinitely used) become None: JSON has no Infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from aiusage.analytics.budgets import Budget, BudgetStatus

Iso = Callable[[int | None], str | None]

#: window -> how a person calls it
WINDOW_LABELS = {
    "5h": "5-hour window",
    "primary": "5-hour window",
    "7d": "weekly window",
    "secondary": "weekly window",
    "7d-opus": "weekly window (Opus)",
    "7d-sonnet": "weekly window (Sonnet)",
    "month": "monthly allowance",
    "requests": "requests rate limit",
    "tokens": "tokens rate limit",
}


def iso_in(zone: tzinfo) -> Iso:
    """Epoch ms -> ISO 8601 to the second with the zone's offset."""

    def iso(ms: int | None) -> str | None:
        if ms is None:
            return None
        return datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="seconds")

    return iso


def finite(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def window_label(window: str) -> str:
    return WINDOW_LABELS.get(window, window.replace("_", " ") if window else "limit")


def budget_json(b: Budget) -> dict[str, Any]:
    return {
        "name": b.name,
        "scope": b.scope,
        "period": b.period,
        "limit_usd": b.limit_usd,
        "limit_tokens": b.limit_tokens,
        "limit_requests": b.limit_requests,
        "warn_percent": b.warn_percent,
        "start": b.start.isoformat() if b.start else None,
        "end": b.end.isoformat() if b.end else None,
    }


def budget_status_json(s: BudgetStatus) -> dict[str, Any]:
    """One row of ``aiusage budgets --json``."""
    return {
        **budget_json(s.budget),
        "first_day": s.first_day.isoformat(),
        "last_day": s.last_day.isoformat(),
        "spent_usd": round(s.spent.usd, 6),
        "spent_tokens": s.spent.tokens,
        "spent_requests": s.spent.requests,
        "unpriced_requests": s.spent.unpriced,
        "left_usd": finite(s.left_usd),
        "percent": finite(s.percent, 2),
        "measures": {
            k: {"used": used, "limit": limit, "percent": finite(pct, 2)}
            for k, (used, limit, pct) in s.measures.items()
        },
        "pace_percent": round(s.pace_percent, 2),
        "ahead_of_pace": s.ahead,
        "projected_usd": finite(s.projected_usd),
        "projected_low": finite(s.projected_low),
        "projected_high": finite(s.projected_high),
        "projection_method": s.method,
        "exhausts_on": None if s.exhausts_on is None else s.exhausts_on.isoformat(),
        "state": s.state,
    }


def observation_json(ob: dict[str, Any], iso: Iso) -> dict[str, Any]:
    """A reading as ``aiusage status --json`` shows it."""
    return {
        "metric": ob["metric"],
        "window": ob["window"],
        "value": ob["value"],
        "limit": ob["limit"],
        "unit": ob["unit"],
        "resets_at": iso(ob["resets_at_ms"]),
        "observed_at": iso(ob["observed_ms"]),
    }


def alert_json(entry: dict[str, Any], iso: Iso) -> dict[str, Any]:
    """One row of ``aiusage alerts --json``."""
    out = {k: v for k, v in entry.items() if k != "ts_ms"}
    out["fired_at"] = iso(int(entry["ts_ms"]))
    return out
