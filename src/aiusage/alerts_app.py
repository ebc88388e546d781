"""The facade's alerts side: evaluate every rule now, notify, and read the alert log.

Reached as ``App.alerts``. The daemon calls ``check`` after each collection, and
``aiusage alerts check`` does the same by hand; both are idempotent (the engine keeps
per-key state in the store), so running them often is safe.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from aiusage.alerts.engine import Fired, alert_log, decide, load_states, record, record_delivery
from aiusage.alerts.rules import (
    Condition,
    SourceHealth,
    Spike,
    WindowReading,
    budget_conditions,
    forecast_conditions,
    limit_conditions,
    source_conditions,
    spike_conditions,
)
from aiusage.alerts.settings import AlertSettings
from aiusage.records import WINDOW_USED_PERCENT
from aiusage.store.health import load_health
from aiusage.store.queries import observations_latest

if TYPE_CHECKING:
    from aiusage.alerts.notifiers import Severity
    from aiusage.app import App

PAUSED_UNTIL = "alerts_paused_until_ms"
RATE_LIMIT_REMAINING = "rate_limit_remaining"
WINDOW_NAMES = {"primary": "5-hour window", "secondary": "weekly window"}


class AlertsApi:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def settings(self) -> AlertSettings:
        return self.app.config.alerts or AlertSettings()

    def conditions(self, now_ms: int | None = None) -> list[Condition]:
        """What every rule says now (active or not)."""
        now = _now_ms() if now_ms is None else now_ms
        settings = self.settings
        budgets = self.app.budgets.status(now_ms=now)
        out = budget_conditions(budgets) + forecast_conditions(budgets)
        out += limit_conditions(self.window_readings(), settings, now_ms=now)
        out += source_conditions(self.source_health(), settings, now_ms=now)
        if settings.rule_on("spike"):
            out += self.spike_conditions(now)
        return out

    def spike_conditions(self, now_ms: int) -> list[Condition]:
        """Today's spend per source against its trailing median (the anomaly detector)."""
        sensitivity = self.settings.value("spike", "sensitivity")
        report = self.app.insights.anomalies(days=1, sensitivity=sensitivity, now_ms=now_ms)
        spikes = [Spike(a.source, a.value_usd, a.baseline_usd, a.score) for a in report.anomalies]
        return spike_conditions(spikes, report.sources)

    def check(self, now_ms: int | None = None, deliver: bool = True) -> list[Fired]:
        """Evaluate, record and notify; returns what fired now."""
        return asyncio.run(self.check_async(now_ms, deliver))

    async def check_async(self, now_ms: int | None = None, deliver: bool = True) -> list[Fired]:
        """``check`` for a running event loop (the daemon)."""
        now = _now_ms() if now_ms is None else now_ms
        tz = self.app.tz(None)
        fired, changed = decide(
            self.conditions(now),
            load_states(self.app.store.db),
            self.settings,
            now_ms=now,
            local_time=datetime.fromtimestamp(now / 1000, tz).time(),
            paused_until_ms=self.paused_until(),
        )
        fired = record(self.app.store.db, fired, changed)
        if not fired:
            return fired
        sent = await asyncio.gather(*(self._deliver(f) for f in fired)) if deliver else []
        for f, results in zip(fired, sent or [{}] * len(fired), strict=True):
            record_delivery(self.app.store.db, f, results)
        return fired

    async def _deliver(self, fired: Fired) -> dict[str, str]:
        """Send to every enabled channel whose minimum severity it reaches (concurrently,
        with retries); no channel configured: the alert log is the record."""
        configs = self.app.config.notifiers
        if not configs:
            return {}
        from aiusage.alerts.notifiers import Notification, notify
        from aiusage.team_budgets import member_channels

        c = fired.condition
        configs = {**configs, **member_channels(self.app, c)}  # a member's own quota
        message = Notification(
            title=fired.title,
            body=fired.body,
            severity=cast("Severity", fired.severity),
            key=c.key,
            rule=c.rule,
            scope=c.source or "all",
            fired_at=fired.ts_ms,
            value=c.value,
            threshold=c.threshold,
        )
        results = await notify(configs, message)
        return {r.channel: "ok" if r.ok else (r.error or "failed") for r in results}

    def log(self, limit: int = 50, since_ms: int | None = None) -> list[dict[str, Any]]:
        return alert_log(self.app.store.db, limit, since_ms)

    def pause(self, seconds: int, now_ms: int | None = None) -> int:
        """No notifications (not even critical) until now + seconds; returns that time."""
        until = (_now_ms() if now_ms is None else now_ms) + seconds * 1000
        self.app.store.set_meta(PAUSED_UNTIL, str(until))
        return until

    def resume(self) -> None:
        self.app.store.set_meta(PAUSED_UNTIL, "0")

    def paused_until(self) -> int | None:
        value = self.app.store.meta(PAUSED_UNTIL)
        return int(value) if value and value.isdigit() and int(value) > 0 else None

    # -- inputs of the rules -----------------------------------------------------------

    def window_readings(self) -> list[WindowReading]:
        """The newest official reading of every subscription window and rate limit."""
        out = []
        for row in observations_latest(self.app.store.db):
            account, metric, window, value, limit, _unit, resets, _ts, kind, _meta = row
            if kind != "official" or not isinstance(value, int | float):
                continue
            resets_ms = int(resets) if isinstance(resets, int | float) else None
            if metric == WINDOW_USED_PERCENT:
                used = float(value)
            elif metric == RATE_LIMIT_REMAINING and isinstance(limit, int | float) and limit > 0:
                used = 100.0 * (1 - float(value) / float(limit))
            else:
                continue
            name = WINDOW_NAMES.get(str(window), str(window))
            out.append(
                WindowReading(
                    source=str(account),
                    window=str(window),
                    used_percent=used,
                    resets_at_ms=resets_ms,
                    label=f"{account} {name}",
                )
            )
        return out

    def source_health(self) -> list[SourceHealth]:
        """Every enabled account's health with the interval it is collected at."""
        from aiusage.daemon import interval_s
        from aiusage.plugins import provider

        health = load_health(self.app.store.db)
        out = []
        for account in self.app.accounts.all():
            h = health.get(account.name)
            if not account.enabled or h is None:
                continue
            out.append(
                SourceHealth(
                    name=account.name,
                    status=h.status,
                    message=h.message,
                    hint=h.hint,
                    last_success_ms=h.last_success_ms,
                    interval_s=interval_s(account, provider(account.provider)),
                )
            )
        return out


def _now_ms() -> int:
    return int(time.time() * 1000)
