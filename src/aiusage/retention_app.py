"""Retention: how long raw records are kept, what pruning would remove, and doing it.

The collectors (daemon, ``aiusage serve``) call :meth:`RetentionApi.prune_if_due` so a
configured ``retention`` is applied once a day without anyone thinking about it; the CLI
and the dashboard call :meth:`preview` and :meth:`prune` to do it now.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiusage.errors import ConfigError
from aiusage.store import retention

if TYPE_CHECKING:
    from aiusage.app import App

DAY_MS = 86_400_000
PRUNE_EVERY_MS = DAY_MS


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What a prune removed (or, with ``dry_run``, would remove)."""

    days: int
    counts: retention.PruneCounts
    dry_run: bool
    size_before: int | None
    size_after: int | None
    vacuumed: bool

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "older_than_days": self.days,
            "before_ms": c.before_ms,
            "before": datetime.fromtimestamp(c.before_ms / 1000, UTC).isoformat(),
            "dry_run": self.dry_run,
            "usage_events": c.usage_events,
            "observations": c.observations,
            "alert_log": c.alert_log,
            "total": c.total,
            "size_before_bytes": self.size_before,
            "size_after_bytes": self.size_after,
            "vacuumed": self.vacuumed,
        }


class RetentionApi:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def days(self) -> int | None:
        """The configured retention in days (None: keep everything)."""
        return self.app.config.retention_days

    def state(self) -> dict[str, Any]:
        """The policy and where the store stands, for settings pages and ``--json``."""
        store = self.app.store
        last = store.meta(retention.LAST_PRUNE_META)
        floor = retention.floor_ms(store)
        return {
            "days": self.days,
            "oldest_event_ms": retention.oldest_ms(store),
            "pruned_before_ms": floor or None,
            "last_prune_ms": int(last) if last else None,
        }

    def preview(self, days: int | str | None = None, now_ms: int | None = None) -> PruneResult:
        return self._run(days, now_ms, dry_run=True, vacuum=False)

    def prune(
        self, days: int | str | None = None, now_ms: int | None = None, vacuum: bool = False
    ) -> PruneResult:
        """Delete raw records older than ``days`` (``400`` or ``400d``, ``52w``, ``2y``;
        default: the configured retention)."""
        return self._run(days, now_ms, dry_run=False, vacuum=vacuum)

    def prune_if_due(
        self, now_ms: int | None = None, days: int | None = None
    ) -> PruneResult | None:
        """Prune by the retention (``days``, default the configured one) when the last
        prune is a day old or never happened; None when there is none or it is not due."""
        days = self.days if days is None else days
        if days is None:
            return None
        now = _now_ms() if now_ms is None else now_ms
        last = self.app.store.meta(retention.LAST_PRUNE_META)
        if last and now - int(last) < PRUNE_EVERY_MS:
            return None
        return self.prune(days, now_ms=now)

    def _run(
        self, asked: int | str | None, now_ms: int | None, dry_run: bool, vacuum: bool
    ) -> PruneResult:
        from aiusage.config import MIN_RETENTION_DAYS, parse_retention

        days = asked if isinstance(asked, int) else parse_retention(asked) if asked else None
        days = self.days if days is None else days
        if days is None:
            raise ConfigError(
                "no retention to prune by",
                hint='give --older-than 400d, or set retention = "400d" in the config file',
            )
        if days < MIN_RETENTION_DAYS:
            raise ConfigError(
                f"refusing to prune records younger than {MIN_RETENTION_DAYS} days "
                f"({days} asked): budgets, limits and forecasts need them",
                hint=f"use at least {MIN_RETENTION_DAYS}d",
            )
        now = _now_ms() if now_ms is None else now_ms
        before = now - days * DAY_MS
        store = self.app.store
        size_before = retention.database_size(store)
        if dry_run:
            counts = retention.count_older(store, before)
            return PruneResult(days, counts, True, size_before, size_before, False)
        counts = retention.prune(store, before, now)
        vacuumed = vacuum and retention.vacuum(store)
        return PruneResult(
            days, counts, False, size_before, retention.database_size(store), vacuumed
        )


def _now_ms() -> int:
    return int(time.time() * 1000)
