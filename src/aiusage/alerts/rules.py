"""Alert rules: plain inputs in, conditions out — one per alert key, active or not.

Why conditions and not "alerts to send": whether to notify depends on history (was it
already sent, is it in cooldown, is it night) which the engine keeps. A rule only says
what is true now, so every rule is a pure function that is easy to test, and a condition
that turns inactive is what re-arms its alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiusage.alerts.settings import AlertSettings
from aiusage.analytics.budgets import BudgetStatus

INFO, WARNING, CRITICAL = "info", "warning", "critical"
RANK = {"": 0, INFO: 1, WARNING: 2, CRITICAL: 3}
FAILING = frozenset(
    {"auth_error", "forbidden_needs_admin_key", "rate_limited", "unreachable", "misconfigured"}
)


@dataclass(frozen=True, slots=True)
class Condition:
    key: str  # stable: 'budget:monthly', 'limit:codex:primary', 'source_error:openai-work'
    rule: str
    active: bool
    severity: str = ""
    title: str = ""
    body: str = ""
    value: float | None = None
    threshold: float | None = None
    source: str = ""  # for per-source muting
    resolved_title: str = ""  # said when it turns inactive after being sent (reconnect)


@dataclass(frozen=True, slots=True)
class WindowReading:
    """A limit's use now: a subscription window or a rate limit, in percent used."""

    source: str
    window: str
    used_percent: float
    resets_at_ms: int | None = None
    label: str = ""  # 'Claude Code 5-hour window', 'groq-work requests/minute'


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    status: str
    message: str
    hint: str
    last_success_ms: int | None
    interval_s: float


def budget_conditions(statuses: Iterable[BudgetStatus]) -> list[Condition]:
    """Warning at a budget's warn percent, critical once it is exceeded."""
    out = []
    for s in statuses:
        b = s.budget
        severity = CRITICAL if s.percent >= 100 else WARNING if s.percent >= b.warn_percent else ""
        spent = f"${s.spent.usd:,.2f}" + (f" of ${b.limit_usd:,.2f}" if b.limit_usd else "")
        title = (
            f"Budget {b.name} exceeded ({s.percent:.0f}%)"
            if severity == CRITICAL
            else f"Budget {b.name} at {s.percent:.0f}%"
        )
        out.append(
            Condition(
                key=f"budget:{b.name}",
                rule="budget",
                active=bool(severity),
                severity=severity,
                title=title,
                body=f"{spent} spent this {_period_word(b.period)} ({b.scope}).",
                value=round(s.percent, 2),
                threshold=100.0 if severity == CRITICAL else b.warn_percent,
                source=b.scope_value if b.scope_kind in ("agent", "account", "source") else "",
            )
        )
    return out


def forecast_conditions(statuses: Iterable[BudgetStatus]) -> list[Condition]:
    """A budget still under its warning level whose projected period spend is over its
    limit: the early heads-up."""
    out = []
    for s in statuses:
        b = s.budget
        limit, projected = b.limit_usd, s.projected_usd
        over = (
            limit is not None
            and projected is not None
            and projected > limit
            and s.state == "ok"  # once it warns, the budget alert says more
            and s.today <= s.last_day
        )
        out.append(
            Condition(
                key=f"forecast:{b.name}",
                rule="forecast",
                active=over,
                severity=WARNING if over else "",
                title=f"Budget {b.name} is on course to be exceeded",
                body=(
                    f"Projected ${projected:,.2f} by {s.last_day:%b} {s.last_day.day} against "
                    f"a ${limit:,.2f} limit; ${s.spent.usd:,.2f} spent so far."
                    + (
                        f" At this pace the limit is reached on {s.exhausts_on:%b} "
                        f"{s.exhausts_on.day}."
                        if s.exhausts_on is not None
                        else ""
                    )
                    if over and projected is not None and limit is not None
                    else ""
                ),
                value=None if projected is None else round(projected, 2),
                threshold=limit,
            )
        )
    return out


def limit_conditions(
    readings: Sequence[WindowReading], settings: AlertSettings, *, now_ms: int
) -> list[Condition]:
    """Rate-limit and subscription windows against the warning and critical thresholds
    (any values). A window that has reset since its reading counts as empty."""
    warning, critical = settings.value("limit", "warning"), settings.value("limit", "critical")
    out = []
    for r in readings:
        used = r.used_percent
        if r.resets_at_ms is not None and r.resets_at_ms <= now_ms:
            used = 0.0  # the window reset since this reading
        severity = CRITICAL if used >= critical else WARNING if used >= warning else ""
        name = r.label or f"{r.source} {r.window}"
        resets = ""
        if r.resets_at_ms is not None and severity:
            minutes = max(0, (r.resets_at_ms - now_ms) // 60_000)
            resets = f" It resets in {minutes // 60}h{minutes % 60:02d}m."
        out.append(
            Condition(
                key=f"limit:{r.source}:{r.window}",
                rule="limit",
                active=bool(severity),
                severity=severity,
                title=f"{name} at {used:.0f}%",
                body=f"{name} is {used:.0f}% used.{resets}",
                value=round(used, 2),
                threshold=critical if severity == CRITICAL else warning,
                source=r.source,
            )
        )
    return out


def source_conditions(
    health: Sequence[SourceHealth], settings: AlertSettings, *, now_ms: int
) -> list[Condition]:
    """A failing account (and a notice when it comes back); an account with no success
    for ``cycles`` intervals."""
    cycles = settings.value("dead_source", "cycles")
    out = []
    for h in health:
        failing = h.status in FAILING
        out.append(
            Condition(
                key=f"source_error:{h.name}",
                rule="source_error",
                active=failing,
                severity=WARNING if failing else "",
                title=f"{h.name}: {h.status.replace('_', ' ')}",
                body=h.message + (f"\nFix: {h.hint}" if h.hint else ""),
                source=h.name,
                resolved_title=f"{h.name} is collecting again",
            )
        )
        silent_s = None if h.last_success_ms is None else (now_ms - h.last_success_ms) / 1000
        # A failing account already has its alert: 'silent' is for the ones that look fine.
        dead = not failing and silent_s is not None and silent_s > cycles * h.interval_s
        out.append(
            Condition(
                key=f"dead_source:{h.name}",
                rule="dead_source",
                active=dead,
                severity=WARNING if dead else "",
                title=f"{h.name} has sent no data for {_ago(silent_s or 0)}",
                body=f"No successful collection in {cycles:g} intervals; last status: "
                f"{h.status}. {h.message}".strip(),
                value=silent_s,
                threshold=cycles * h.interval_s,
                source=h.name,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Spike:
    """Today's spend of a source, far above its usual level (robust z-score)."""

    source: str
    value_usd: float
    baseline_usd: float
    score: float


def spike_conditions(spikes: Sequence[Spike], sources: Iterable[str]) -> list[Condition]:
    """One condition per source: active while today's spend is a spike. It re-arms on a
    day without one."""
    found = {s.source: s for s in spikes}
    out = []
    for source in sorted(set(sources) | set(found)):
        spike = found.get(source)
        out.append(
            Condition(
                key=f"spike:{source}",
                rule="spike",
                active=spike is not None,
                severity=WARNING if spike else "",
                title=f"Spend spike on {source}: ${spike.value_usd:,.2f} today" if spike else "",
                body=(
                    f"Usually about ${spike.baseline_usd:,.2f} a day "
                    f"({spike.value_usd / spike.baseline_usd:.1f}× that)."
                    if spike and spike.baseline_usd > 0
                    else "Far above its usual level."
                    if spike
                    else ""
                ),
                value=None if spike is None else round(spike.value_usd, 2),
                threshold=None if spike is None else round(spike.baseline_usd, 2),
                source=source,
            )
        )
    return out


def _period_word(period: str) -> str:
    return {"daily": "day", "weekly": "week", "monthly": "month"}.get(period, "period")


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"
