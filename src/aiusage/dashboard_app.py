"""The facade's dashboard side: what the web dashboard and HTTP API show and do.

Reached as ``App.dashboard``. Every method returns JSON-ready data (dicts of plain
values, times as ISO 8601 with the configured zone's offset, money as USD floats) shaped
like the CLI's ``--json`` where the CLI has the same view, so the web layer only routes,
validates and serialises. Nothing returned carries a key, a webhook URL or a password.

Not thread-safe: an App (and so its connection) belongs to one thread; the web server
runs every call on its one database thread.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from aiusage.dashboard import views

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.dashboard.changes import Markers
    from aiusage.dashboard.data_io import ImportResult
    from aiusage.dashboard.metrics import Metric, Sample
    from aiusage.dashboard.server import Collector
    from aiusage.dashboard.views import NewAccount


class DashboardApi:
    def __init__(self, app: App) -> None:
        self.app = app

    # -- pages' data -----------------------------------------------------------------
    def overview(self, now_ms: int | None = None) -> dict[str, Any]:
        """Status, totals and one card per account and agent."""
        from aiusage.dashboard.overview import overview

        return overview(self.app, now_ms)

    def history(
        self,
        range: str = "7d",
        since: date | None = None,
        until: date | None = None,
        sources: tuple[str, ...] = (),
        metric: str = "cost",
        group: str = "source",
        now_ms: int | None = None,
    ) -> dict[str, Any]:
        """Series over a range, spend by provider and model, a year's calendar, ratios."""
        from aiusage.dashboard.history import HistoryQuery, history

        query = HistoryQuery(range, since, until, sources, metric, group)
        return history(self.app, query, now_ms)

    def limits(self, now_ms: int | None = None) -> dict[str, Any]:
        return views.limits(self.app, now_ms)

    def budgets(self, now_ms: int | None = None) -> dict[str, Any]:
        return views.budgets(self.app, now_ms)

    def alerts(self, limit: int = 50) -> dict[str, Any]:
        return views.alerts(self.app, limit)

    def forecast(
        self,
        period: str = "month",
        since: date | None = None,
        until: date | None = None,
        sources: tuple[str, ...] = (),
        project: str | None = None,
    ) -> dict[str, Any]:
        return views.forecast(self.app, period, since, until, sources, project)

    def anomalies(
        self,
        days: int = 30,
        hourly: bool = False,
        sensitivity: float | None = None,
        sources: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        return views.anomalies(self.app, days, hourly, sensitivity, sources)

    def providers(self) -> dict[str, Any]:
        return views.providers(self.app)

    def accounts(self) -> dict[str, Any]:
        return views.accounts(self.app)

    def settings(self) -> dict[str, Any]:
        from aiusage.dashboard.settings import view

        return view(self.app)

    # -- actions ---------------------------------------------------------------------
    def set_budget(self, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return views.set_budget(self.app, name, values)

    def remove_budget(self, name: str) -> None:
        self.app.budgets.remove(name)

    def check_alerts(self) -> dict[str, Any]:
        return views.check_alerts(self.app)

    def pause_alerts(self, duration: str) -> dict[str, Any]:
        return views.pause_alerts(self.app, duration)

    def resume_alerts(self) -> None:
        self.app.alerts.resume()

    def add_account(self, new: NewAccount) -> dict[str, Any]:
        return views.add_account(self.app, new)

    def replace_account(self, new: NewAccount) -> dict[str, Any]:
        """Change an existing account (a new key, or none to keep the one it has)."""
        return views.replace_account(self.app, new)

    def new_account(self, **fields: Any) -> NewAccount:
        """The add form's fields, checked (``key`` is write-only)."""
        from aiusage.dashboard.views import NewAccount

        return NewAccount(**fields)

    def test_account(self, name: str) -> dict[str, Any]:
        return views.test_account(self.app, name)

    def has_account(self, name: str) -> bool:
        return name in self.app.config.accounts

    def has_budget(self, name: str) -> bool:
        return name in self.app.config.budgets

    def enable_account(self, name: str, enabled: bool) -> None:
        self.app.accounts.enable(name, enabled)

    def remove_account(self, name: str) -> None:
        self.app.accounts.remove(name)

    def collect(self, names: list[str] | None = None) -> dict[str, Any]:
        return views.collect(self.app, names)

    def update_settings(self, changes: dict[str, Any]) -> list[str]:
        """Write the safe subset of settings; returns warnings."""
        from aiusage.dashboard.settings import update

        return update(self.app, changes)

    def export_rows(
        self,
        since: date | None = None,
        until: date | None = None,
        sources: tuple[str, ...] = (),
        project: str | None = None,
    ) -> list[dict[str, Any]]:
        from aiusage.dashboard.data_io import ExportQuery, export_rows

        return export_rows(self.app, ExportQuery(since, until, sources, project))

    def export_csv(self, rows: list[dict[str, Any]]) -> str:
        from aiusage.dashboard.data_io import to_csv

        return to_csv(rows)

    def import_csv(self, text: str) -> ImportResult:
        from aiusage.dashboard.data_io import import_csv

        return import_csv(self.app, text)

    # -- the server's own needs ------------------------------------------------------
    def changes(self, before: Markers | None) -> tuple[Markers, list[tuple[str, dict[str, Any]]]]:
        """Markers now and the events since ``before`` (for server-sent events)."""
        from aiusage.dashboard.changes import changes

        return changes(self.app, before)

    def metrics(self) -> tuple[tuple[Metric, ...], dict[str, list[Sample]]]:
        """The metrics table and each metric's samples now."""
        from aiusage.dashboard.metrics import METRICS, samples

        return METRICS, samples(self.app)

    def reload_config(self, seen_ns: int | None) -> int:
        """Re-read the config file when it changed on disk since ``seen_ns`` (another
        process edited it); returns a stamp of its modification to pass next time."""
        from aiusage.config import load_config

        path = self.app.config.path
        try:
            st = path.stat() if path is not None else None
        except OSError:
            st = None
        # The size too: two writes within one clock tick of the file system share an mtime.
        stamp = hash((st.st_mtime_ns, st.st_size)) if st is not None else 0
        if seen_ns is not None and seen_ns != stamp:
            self.app.config = load_config(path)
        return stamp

    def collector(self, **settings: Any) -> Collector:
        """The daemon on a thread of its own (``start()``, ``stop()``, ``state``);
        ``settings`` are ``DaemonOptions`` fields."""
        from aiusage.dashboard.server import Collector

        return Collector(self.app, **settings)

    def access_token_hash(self) -> str | None:
        from aiusage.dashboard.server import stored_token_hash

        return stored_token_hash(self.app)

    def new_access_token(self) -> str:
        """A new access token (its hash replaces the old one); shown once by the caller."""
        from aiusage.dashboard.server import new_token

        return new_token(self.app)
