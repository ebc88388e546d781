"""The server's one App and the one thread that uses it.

Why one thread: an App holds one database connection (sqlite3 connections belong to the
thread that opened them; a psycopg connection serves one query at a time), and SQLite
has one writer anyway. Requests are quick (the dashboard facade keeps its sums in
memory), so they queue on this thread; slow actions that talk to providers (collect, an
account test, alert delivery) run on a second pool with an App of their own, so a slow
provider never stalls a page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from aiusage.app import App, AppContext, open_app

T = TypeVar("T")
log = logging.getLogger("aiusage.web")


class Backend:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._db = ThreadPoolExecutor(1, thread_name_prefix="aiusage-db")
        self._slow = ThreadPoolExecutor(2, thread_name_prefix="aiusage-action")
        self._app: App | None = None
        self._config_ns: int | None = None

    def _with_app(self, fn: Callable[[App], T]) -> T:
        if self._app is None:
            self._app = open_app(self.ctx)
        self._config_ns = self._app.dashboard.reload_config(self._config_ns)
        return fn(self._app)

    async def call(self, fn: Callable[[App], T]) -> T:
        """Run ``fn(app)`` on the database thread (the config re-read if it changed)."""
        return await asyncio.get_running_loop().run_in_executor(self._db, self._with_app, fn)

    def call_sync(self, fn: Callable[[App], T]) -> T:
        """``call`` from a thread without an event loop (start-up, shutdown)."""
        return self._db.submit(self._with_app, fn).result()

    async def action(self, fn: Callable[[App], T]) -> T:
        """Run a slow ``fn(app)`` with a fresh App on the action pool (it reads the config
        as it is now, and its own connection writes what it collects)."""

        def run() -> T:
            app = open_app(self.ctx)
            try:
                return fn(app)
            finally:
                app.close()

        return await asyncio.get_running_loop().run_in_executor(self._slow, run)

    def close(self) -> None:
        def shut(app: App) -> None:
            app.close()

        if self._app is not None:
            try:
                self._db.submit(shut, self._app).result(timeout=10)
            except Exception as exc:  # closing must not hide why we stop
                log.warning("closing the database: %s", exc)
            self._app = None
        self._db.shutdown(wait=False, cancel_futures=True)
        self._slow.shutdown(wait=False, cancel_futures=True)
