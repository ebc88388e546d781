"""Each alert rule as a pure function: what is active, at which severity, and why."""

from __future__ import annotations

from datetime import date

from aiusage.alerts.rules import (
    CRITICAL,
    WARNING,
    SourceHealth,
    WindowReading,
    budget_conditions,
    forecast_conditions,
    limit_conditions,
    source_conditions,
)
from aiusage.alerts.settings import AlertSettings, parse_alerts
from aiusage.analytics.budgets import Budget, Spend, status

NOW = 1_790_000_000_000
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
TODAY = date(2026, 11, 10)


def budget_state(usd: float, limit: float = 100.0, warn: float = 80.0) -> list[object]:
    s = status(Budget("team", limit, warn_percent=warn), Spend(usd=usd), TODAY, *MONTH)
    return [s]


def test_budget_warning_then_critical_at_any_warn_level() -> None:
    (ok,) = budget_conditions(budget_state(50))  # type: ignore[arg-type]
    assert not ok.active and ok.key == "budget:team"
    (warn,) = budget_conditions(budget_state(50, warn=40))  # type: ignore[arg-type]
    assert (warn.active, warn.severity, warn.threshold) == (True, WARNING, 40)
    (over,) = budget_conditions(budget_state(120))  # type: ignore[arg-type]
    assert (over.severity, over.title) == (CRITICAL, "Budget team exceeded (120%)")
    assert "$120.00 of $100.00 spent this month" in over.body


def test_forecast_overrun_is_the_early_heads_up() -> None:
    # $30 by the 10th of 30 days: $90 projected, under the $100 limit.
    assert not forecast_conditions(budget_state(30))[0].active  # type: ignore[arg-type]
    (early,) = forecast_conditions(budget_state(40))  # type: ignore[arg-type]
    assert early.active and early.value == 120.0 and "Projected $120.00" in early.body
    # Once the budget itself warns, the budget alert says it; no second alert.
    assert not forecast_conditions(budget_state(85))[0].active  # type: ignore[arg-type]


def test_limit_thresholds_are_configurable_and_a_reset_window_is_empty() -> None:
    readings = [
        WindowReading("codex", "primary", 79.9, NOW + 3_600_000),
        WindowReading("codex", "secondary", 85.0, NOW + 86_400_000),
        WindowReading("claude-code", "5h", 97.0, NOW + 5_400_000, "Claude Code 5-hour window"),
        WindowReading("claude-code", "7d", 99.0, NOW - 1),  # reset since this reading
    ]
    got = {c.key: c for c in limit_conditions(readings, AlertSettings(), now_ms=NOW)}
    assert not got["limit:codex:primary"].active
    assert got["limit:codex:secondary"].severity == WARNING
    five = got["limit:claude-code:5h"]
    assert five.severity == CRITICAL and five.body.endswith("It resets in 1h30m.")
    assert not got["limit:claude-code:7d"].active
    strict = parse_alerts({"limit": {"warning": 50, "critical": 70}}, "config")
    low = {c.key: c for c in limit_conditions(readings, strict, now_ms=NOW)}
    assert low["limit:codex:primary"].severity == CRITICAL


def test_failing_and_silent_sources() -> None:
    health = [
        SourceHealth("ok-now", "ok", "", "", NOW - 60_000, 300),
        SourceHealth("broken", "auth_error", "key refused", "add a new key", NOW - 10**8, 300),
        SourceHealth("quiet", "ok", "", "", NOW - 3 * 300_000 - 1, 300),
        SourceHealth("new", "never_collected", "", "", None, 300),
    ]
    got = {c.key: c for c in source_conditions(health, AlertSettings(), now_ms=NOW)}
    assert not got["source_error:ok-now"].active and not got["dead_source:ok-now"].active
    broken = got["source_error:broken"]
    assert broken.active and "key refused" in broken.body and "Fix: add a new key" in broken.body
    assert broken.resolved_title == "broken is collecting again"
    assert not got["dead_source:broken"].active  # already alerted as failing
    assert got["dead_source:quiet"].active and "15 min" in got["dead_source:quiet"].title
    assert not got["source_error:new"].active and not got["dead_source:new"].active
    patient = parse_alerts({"dead_source": {"cycles": 10}}, "config")
    assert not {c.key: c for c in source_conditions(health, patient, now_ms=NOW)}[
        "dead_source:quiet"
    ].active


def test_spike_per_source_rearms_on_a_quiet_day() -> None:
    from aiusage.alerts.rules import Spike, spike_conditions

    got = {c.key: c for c in spike_conditions([Spike("codex", 42.0, 6.0, 9.1)], ["claude-code"])}
    assert not got["spike:claude-code"].active
    spike = got["spike:codex"]
    assert spike.active and spike.title == "Spend spike on codex: $42.00 today"
    assert spike.body == "Usually about $6.00 a day (7.0× that)."
