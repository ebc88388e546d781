"""The tray's side of the facade: read the store, pause alerts, collect once, on demand.

Why a class of its own: it is the only part of the tray that touches ``aiusage.app``, so
the Qt controller can be tested against the real facade on a temporary store, and the
facade's errors (a broken config file, a database that is gone) become text on a grey
icon instead of a crash of a program that runs all session long.

Threads: the App (and its connection) belongs to the thread that opened it, the Qt main
thread. ``collect_all`` runs on a worker thread and so opens an App of its own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiusage.app import AiusageError, App, AppContext, open_app

log = logging.getLogger("aiusage.tray")
PAUSE_S = 3600
NO_COLLECTOR = "Nothing collects in the background: `aiusage daemon --install`"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the store says now, or why it could not say."""

    overview: dict[str, Any] | None
    paused_until: str | None = None  # ISO 8601, in the configured zone
    error: str | None = None
    note: str | None = None


class Backend:
    def __init__(self, ctx: AppContext, collecting: bool = False) -> None:
        self.ctx = ctx
        self.collecting = collecting  # an in-process collector runs (tray --collect)
        self._app: App | None = None
        self._config_ns: int | None = None

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = open_app(self.ctx)
        return self._app

    def snapshot(self) -> Snapshot:
        try:
            app = self.app
            # accounts added or removed meanwhile (another process edits the file)
            self._config_ns = app.dashboard.reload_config(self._config_ns)
            overview = app.dashboard.overview()
            until = app.alerts.paused_until()
            paused = None
            if until is not None and until > time.time() * 1000:
                paused = datetime.fromtimestamp(until / 1000, app.tz(None)).isoformat()
            note = None if self.collecting or app.service.daemon_pid() else NO_COLLECTOR
            return Snapshot(overview, paused, note=note)
        except AiusageError as exc:
            return Snapshot(None, error=_message(exc))
        except Exception as exc:  # the tray outlives a store that is briefly unreadable
            log.warning("tray: reading the store failed: %s", exc)
            self.close()
            return Snapshot(None, error=f"cannot read the store: {exc}")

    def pause_alerts(self, seconds: int = PAUSE_S) -> None:
        self.app.alerts.pause(seconds)

    def resume_alerts(self) -> None:
        self.app.alerts.resume()

    def collect_all(self) -> str:
        """Collect every enabled account and read new agent log lines, then evaluate the
        alert rules, as the daemon does after a collection; returns a one-line summary.
        Call on a worker thread (it opens its own App)."""
        app = open_app(self.ctx)
        try:
            results = app.dashboard.collect()["results"]
            scan = app.refresh()
            app.alerts.check()
        finally:
            app.close()
        failed = [r["account"] for r in results if r["status"] != "ok"]
        text = f"{len(results)} accounts collected, {scan.events_written} new log records"
        return text + (f"; failed: {', '.join(failed)}" if failed else "")

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None


def _message(exc: AiusageError) -> str:
    text = str(exc.args[0] if exc.args else exc)
    return f"{text} ({exc.hint})" if exc.hint else text
