"""The overview: one card per provider account and agent, the totals, and the status bar.

Status follows the seed widget's badge: critical when any limit is at or past the
critical threshold (``[alerts.limit] critical``), a budget is exceeded or an account is
failing; warning when any limit passes the warning threshold, a budget warns or an
account is degraded; ok otherwise. Limits and budgets are recomputed only when the store
changed or half a minute passed (they depend on the clock too), so an open dashboard
polling the overview costs next to nothing between collections.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiusage.analytics.budgets import BudgetStatus
from aiusage.analytics.timezones import local_date, parse_start_of_week, week_start
from aiusage.dashboard.changes import Markers, markers
from aiusage.dashboard.daily import ZERO, DailyCells, Sums, add, daily_cells, day_number, memo
from aiusage.dashboard.shapes import Iso, finite, iso_in, window_label
from aiusage.dashboard.standing import cached_budgets, cached_limits
from aiusage.store.health import Health, load_health
from aiusage.store.queries import observations_latest

if TYPE_CHECKING:
    from aiusage.app import App

SPARK_DAYS = 14
ACTIVE_DAYS = 35  # an agent without an account gets a card when it was used this recently
RANK = {"ok": 0, "warning": 1, "critical": 2}
HEALTHY = {"ok", "never_collected", "disabled"}
BALANCE = "balance"
RATE_LIMIT_REMAINING = "rate_limit_remaining"


@dataclass(slots=True)
class Card:
    name: str
    kind: str
    provider: str
    status: str = "ok"
    message: str = ""
    hint: str = ""
    limits: list[dict[str, Any]] = field(default_factory=list)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    balance: dict[str, Any] | None = None
    last_success_ms: int | None = None

    def worse(self, status: str, message: str = "") -> None:
        if RANK[status] > RANK[self.status]:
            self.status = status
            if message and not self.message:
                self.message = message


def latest_readings(app: App, marks: Markers) -> list[tuple[object, ...]]:
    return memo(app, "observations", marks.observations, lambda: observations_latest(app.store.db))


def overview(app: App, now_ms: int | None = None) -> dict[str, Any]:
    now = int(time.time() * 1000) if now_ms is None else now_ms
    cells = daily_cells(app, now)  # first: it reads the rollup's dirty range before others
    marks = markers(app)
    zone = app.tz(None)
    iso = iso_in(zone)
    today = local_date(now, zone)
    t = day_number(today)
    starts = {
        "today": t,
        "week": day_number(week_start(today, parse_start_of_week(app.config.start_of_week))),
        "month": day_number(today.replace(day=1)),
    }
    first = min(*starts.values(), t - SPARK_DAYS + 1, t - ACTIVE_DAYS)
    sums = _per_source(cells, first, t)
    settings = app.alerts.settings
    warn, crit = settings.value("limit", "warning"), settings.value("limit", "critical")

    accounts = {a.name: a for a in app.accounts.all()}
    health = load_health(app.store.db)
    limits = cached_limits(app, marks, now)
    budgets = cached_budgets(app, marks, now)
    sources = set(accounts) | {s for s, days in sums.items() if days} | {r.source for r in limits}
    cards = {name: _card(name, accounts, health.get(name), cells) for name in sorted(sources)}

    for row in limits:
        card = cards[row.source]
        card.limits.append(_limit(row.window, row.used_percent, row.resets_at_ms, row.kind, iso))
        if row.used_percent is not None:
            _judge(card, row.used_percent, warn, crit, window_label(row.window))
    _readings(app, marks, cards, warn, crit, iso)
    scoped = _budgets_by_card(app, budgets, cards)
    for b in budgets:
        for name in scoped.get(b.budget.name, ()):
            cards[name].budgets.append(_budget(b))
            if b.state == "exceeded":
                cards[name].worse("critical", f"budget {b.budget.name} exceeded")
            elif b.state == "warning":
                cards[name].worse("warning", f"budget {b.budget.name} at {b.percent:.0f}%")

    out_cards: list[dict[str, Any]] = []
    for name, card in cards.items():
        days = sums.get(name, {})
        month = _sum(days, starts["month"], t)
        today_sums = days.get(t, ZERO)
        last_ms = card.last_success_ms
        if card.kind == "agent" and month.last_ms:
            last_ms = max(month.last_ms, last_ms or 0)
        out_cards.append(
            {
                "name": name,
                "kind": card.kind,
                "provider": card.provider,
                "status": card.status,
                "message": card.message,
                "hint": card.hint,
                "today_usd": round(today_sums.cost, 6),
                "month_usd": round(month.cost, 6),
                "tokens_today": today_sums.tokens,
                "tokens_month": month.tokens,
                "requests_month": month.requests,
                "unpriced": month.unpriced,
                "limits": card.limits,
                "budgets": card.budgets,
                "balance": card.balance,
                "sparkline": [
                    round(days.get(d, ZERO).cost, 6) for d in range(t - SPARK_DAYS + 1, t + 1)
                ],
                "last_success": iso(last_ms),
            }
        )
    out_cards.sort(key=lambda c: (-RANK[c["status"]], -c["month_usd"], c["name"]))
    everything: dict[int, Sums] = {}
    for days in sums.values():
        for d, s in days.items():
            everything[d] = add(everything.get(d, ZERO), s)
    status = "ok"
    for c in out_cards:
        status = c["status"] if RANK[c["status"]] > RANK[status] else status
    for b in budgets:
        if b.state == "exceeded":
            status = "critical"
        elif b.state == "warning" and status == "ok":
            status = "warning"
    month_all = _sum(everything, starts["month"], t)
    return {
        "status": status,
        "generated_at": iso(now),
        "timezone": app.tz_name(None),
        "totals": {
            "today_usd": round(everything.get(t, ZERO).cost, 6),
            "week_usd": round(_sum(everything, starts["week"], t).cost, 6),
            "month_usd": round(month_all.cost, 6),
            "tokens_month": month_all.tokens,
            "requests_month": month_all.requests,
            "unpriced_month": month_all.unpriced,
        },
        "budgets": [_budget(b) | {"scope": b.budget.scope} for b in budgets],
        "cards": out_cards,
    }


def _per_source(cells: DailyCells, first: int, last: int) -> dict[str, dict[int, Sums]]:
    out: dict[str, dict[int, Sums]] = {}
    for day, per in cells.sources_between(first, last).items():
        for source, s in per.items():
            out.setdefault(source, {})[day] = s
    return out


def _sum(days: dict[int, Sums], first: int, last: int) -> Sums:
    total = ZERO
    for d, s in days.items():
        if first <= d <= last:
            total = add(total, s)
    return total


def _card(name: str, accounts: dict[str, Any], h: Health | None, cells: DailyCells) -> Card:
    account = accounts.get(name)
    if account is None:
        return Card(name, "agent", cells.provider(name, ""))
    card = Card(name, "account", account.provider)
    if not account.enabled:
        card.message = "disabled: not collected"
        return card
    if h is None:
        card.message = "not collected yet"
        return card
    card.last_success_ms = h.last_success_ms
    card.message, card.hint = h.message, h.hint
    if h.status == "degraded":
        card.status = "warning"
    elif h.status not in HEALTHY:
        card.status = "critical"
        card.message = h.message or h.status.replace("_", " ")
    return card


def _limit(window: str, used: float | None, resets: Any, kind: str, iso: Iso) -> dict[str, Any]:
    return {
        "window": window,
        "label": window_label(window),
        "used_percent": finite(used, 2),
        "resets_at": iso(int(resets)) if isinstance(resets, int | float) else None,
        "kind": kind,
    }


def _judge(card: Card, used: float, warn: float, crit: float, label: str) -> None:
    if used >= crit:
        card.worse("critical", f"{label} at {used:.0f}%")
    elif used >= warn:
        card.worse("warning", f"{label} at {used:.0f}%")


def _readings(
    app: App, marks: Markers, cards: dict[str, Card], warn: float, crit: float, iso: Iso
) -> None:
    """Balances and provider rate limits from each account's newest readings."""
    for row in latest_readings(app, marks):
        account, metric, window, value, limit, unit, resets, _ts, _kind, _meta = row
        card = cards.get(str(account))
        if card is None or not isinstance(value, int | float):
            continue
        if metric == BALANCE and card.balance is None:
            card.balance = {"value": float(value), "unit": str(unit or "")}
        elif metric == RATE_LIMIT_REMAINING and isinstance(limit, int | float) and limit > 0:
            used = 100.0 * (1 - float(value) / float(limit))
            card.limits.append(_limit(str(window), used, resets, "official", iso))
            _judge(card, used, warn, crit, window_label(str(window)))


def _budgets_by_card(
    app: App, budgets: list[BudgetStatus], cards: dict[str, Card]
) -> dict[str, list[str]]:
    """Budget name -> the cards its scope covers ('all' and projects: none, shown on top)."""
    out: dict[str, list[str]] = {}
    for b in budgets:
        kind, value = b.budget.scope_kind, b.budget.scope_value
        if kind == "provider":
            out[b.budget.name] = [n for n, c in cards.items() if c.provider == value]
        elif kind in ("account", "agent", "source"):
            from aiusage.app import normalize_agents

            names = normalize_agents([value])
            out[b.budget.name] = [n for n in names if n in cards]
    return out


def _budget(b: BudgetStatus) -> dict[str, Any]:
    return {
        "name": b.budget.name,
        "percent": finite(b.percent, 2),
        "state": b.state,
        "spent_usd": round(b.spent.usd, 6),
        "limit_usd": b.budget.limit_usd,
    }
