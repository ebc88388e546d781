"""The facade's service side: install the daemon as a background service, and its status.

Reached as ``App.service``. What it installs runs ``aiusage daemon`` against the store
this App has open, so the service and the command that installed it see the same data;
``status`` answers "is it installed, is it running, when did it last collect" from the
service manager, the daemon's lock (see ``daemon.DaemonLock``) and the store.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiusage import service
from aiusage.service import Outcome, Run, ServiceSpec, run_command

if TYPE_CHECKING:
    from aiusage.app import App

PINNED_VARIABLES = ("AIUSAGE_CONFIG",)  # carried over from this run's environment


class ServiceApi:
    def __init__(self, app: App) -> None:
        self.app = app

    def spec(self, daemon_args: Sequence[str] = ()) -> ServiceSpec:
        """``aiusage daemon ARGS`` with this run's home, config file and database."""
        from aiusage.paths import default_database_url, user_dir

        env = [("AIUSAGE_HOME", str(user_dir().absolute()))]
        env += [(k, os.environ[k]) for k in PINNED_VARIABLES if os.environ.get(k)]
        if self.app.store.url != default_database_url():
            env.append(("AIUSAGE_DATABASE_URL", self.app.store.url))
        return ServiceSpec((*service.current_command(), "daemon", *daemon_args), tuple(env))

    def install(
        self, daemon_args: Sequence[str] = (), platform: str | None = None, run: Run = run_command
    ) -> Outcome:
        """Write and enable the service (Linux), or say how (macOS, Windows)."""
        platform = platform or sys.platform
        outcome = service.install(self.spec(daemon_args), platform, run)
        pid = self.daemon_pid()
        if pid is not None and platform not in ("darwin", "win32"):
            outcome.notes.append(
                f"another daemon already collects into this store (pid {pid}): the service "
                f"retries every {service.RESTART_S} s and takes over once that one stops"
            )
        return outcome

    def uninstall(self, platform: str | None = None, run: Run = run_command) -> Outcome:
        return service.uninstall(platform or sys.platform, run)

    def daemon_pid(self) -> int | None:
        """The pid of the daemon collecting into this store now (0: running, pid not yet
        written), or None."""
        from aiusage.daemon import DaemonLock

        return service.lock_holder(DaemonLock(self.app.store.url).path)

    def status(self, platform: str | None = None, run: Run = run_command) -> dict[str, Any]:
        """Installed?, the service manager's view, the running daemon and the last
        collections, as JSON-ready data."""
        platform = platform or sys.platform
        from aiusage.store.queries import event_counts

        zone = self.app.tz(None)

        def iso(ms: int | None) -> str | None:
            if ms is None:
                return None
            return datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="seconds")

        if platform == "darwin":
            path, installed = service.plist_path(), service.plist_path().exists()
        elif platform == "win32":
            path, installed = None, None  # `schtasks /Query /TN "aiusage daemon"` knows
        else:
            path, installed = service.unit_path(), service.unit_path().exists()
        pid = self.daemon_pid()
        accounts = self.app.accounts.status()
        names = {a.name for a in accounts}
        return {
            "platform": platform,
            "installed": installed,
            "path": str(path) if path else None,
            "manager": service.manager_state(platform, run) if installed else {},
            "running": pid is not None,
            "pid": pid or None,
            "database": self.app.store.shown_url,
            "accounts": [
                {
                    "name": a.name,
                    "status": a.status,
                    "last_attempt": iso(a.last_attempt_ms),
                    "last_success": iso(a.last_success_ms),
                }
                for a in accounts
            ],
            "agents": [
                {"name": str(row[0]), "records": int(str(row[1])), "last_record": iso(_ms(row[3]))}
                for row in event_counts(self.app.store.db)
                if str(row[0]) not in names
            ],
        }


def _ms(value: object) -> int | None:
    return int(str(value)) if value is not None else None
