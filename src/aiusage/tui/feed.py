"""The monitor's link to the store: one App on one thread of its own.

Why a thread: an App holds one database connection (sqlite3 connections belong to the
thread that opened them) and in-memory day sums; reading on a thread keeps keys and the
once-a-second countdowns responsive while a view loads or a collection runs. Why polling
markers: whoever collects (this process, ``aiusage daemon``, ``aiusage serve`` or another
machine on the same PostgreSQL) only writes to the store, so the monitor asks the store
what changed (a few index-only reads) and reloads a view only when something did.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aiusage.app import App, AppContext, open_app

if TYPE_CHECKING:
    from aiusage.tui.model import Snapshot, View

T = TypeVar("T")


class Collecting(Protocol):
    """What the monitor needs of ``App.dashboard.collector()``."""

    state: str  # starting | running | elsewhere | failed | stopped
    message: str

    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in the store since the last look."""

    any: bool
    alerts: list[tuple[str, str]]  # (severity, title) of alerts fired since


class Feed:
    def __init__(self, ctx: AppContext, tz: str | None = None) -> None:
        self.ctx = ctx
        self.tz = tz
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="aiusage-top")
        self._app: App | None = None
        self._config_ns: int | None = None
        self._markers: Any = None

    async def call(self, fn: Callable[[App], T]) -> T:
        """``fn(app)`` on the data thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._run, fn)

    def _run(self, fn: Callable[[App], T]) -> T:
        app = self._app
        if app is None:
            app = self._app = open_app(self.ctx)
            app.use_timezone(self.tz)
        seen = self._config_ns
        self._config_ns = app.dashboard.reload_config(seen)
        if seen is not None and seen != self._config_ns:
            app.use_timezone(self.tz)  # the file was re-read: --tz still wins
        return fn(app)

    # -- what runs on the thread ----------------------------------------------------
    def snapshot(self, view: View, now_ms: int) -> Callable[[App], Snapshot]:
        from aiusage.tui.model import load

        def go(app: App) -> Snapshot:
            self._markers, _ = app.dashboard.changes(self._markers)
            return load(app, view, now_ms)

        return go

    def changes(self, app: App) -> Changes:
        """Whether the store changed since the last snapshot or look (new events,
        readings, alerts, account health, the config file)."""
        before = self._markers
        self._markers, events = app.dashboard.changes(before)
        alerts = [(str(d["severity"]), str(d["title"])) for kind, d in events if kind == "alert"]
        return Changes(bool(events), alerts)

    @staticmethod
    def collect_now(app: App) -> str:
        """Read new agent log lines and collect every enabled account, now (key ``r``)."""
        scan = app.refresh()
        results = app.dashboard.collect()["results"]
        ok = sum(r["status"] == "ok" for r in results)
        said = f"read {scan.events_written:,} new agent records"
        if results:
            said += f"; collected {ok} of {len(results)} accounts"
        failed = [f"{r['account']}: {r['message']}" for r in results if r["status"] != "ok"]
        return "; ".join([said, *failed[:3]])

    def close(self) -> None:
        def shut(app: App) -> None:
            app.close()
            self._app = None

        if self._app is not None:
            with contextlib.suppress(Exception):  # closing must not hide why we stop
                self._pool.submit(lambda: shut(self._app) if self._app else None).result(10)
        self._pool.shutdown(wait=False, cancel_futures=True)
