"""The server's Apps and the threads that use them.

Why threads that each keep an App: an App holds one database connection (sqlite3
connections belong to the thread that opened them; a psycopg connection serves one query
at a time) and its in-memory day sums. Page data runs on one database thread, so those
sums are kept once and requests are quick; slow work (provider calls when collecting or
testing an account, alert delivery, forecasts over a year) runs on two more threads with
an App each, so it never stalls a page. Every App re-reads the config file when another
process changed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from aiusage.app import App, AppContext, open_app

T = TypeVar("T")
log = logging.getLogger("aiusage.web")


class _Lane:
    """A thread pool whose threads each keep one App."""

    def __init__(self, ctx: AppContext, threads: int, name: str) -> None:
        self.ctx = ctx
        self.threads = threads
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self.local = threading.local()

    def run(self, fn: Callable[[App], T]) -> T:
        app: App | None = getattr(self.local, "app", None)
        if app is None:
            app = self.local.app = open_app(self.ctx)
            # The context may carry the config as the server read it at start: compare
            # with the file now (no stamp equals -1), so an edit since is not missed.
            self.local.config_ns = -1
        self.local.config_ns = app.dashboard.reload_config(self.local.config_ns)
        return fn(app)

    def close(self) -> None:
        """Close each thread's App on its own thread (a barrier gives each one task)."""
        barrier = threading.Barrier(self.threads)

        def shut() -> None:
            app = getattr(self.local, "app", None)
            if app is not None:
                self.local.app = None
                app.close()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)

        done = [self.pool.submit(shut) for _ in range(self.threads)]
        for future in done:
            try:
                future.result(timeout=10)
            except Exception as exc:  # closing must not hide why we stop
                log.warning("closing the database: %s", exc)
        self.pool.shutdown(wait=False, cancel_futures=True)


class Backend:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._db = _Lane(ctx, 1, "aiusage-db")
        self._slow = _Lane(ctx, 2, "aiusage-action")
        self._push = _Lane(ctx, 2, "aiusage-push")  # a team server's members pushing

    async def call(self, fn: Callable[[App], T]) -> T:
        """Run ``fn(app)`` on the database thread."""
        return await asyncio.get_running_loop().run_in_executor(self._db.pool, self._db.run, fn)

    async def action(self, fn: Callable[[App], T]) -> T:
        """Run a slow ``fn(app)`` on an action thread, beside the pages."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._slow.pool, self._slow.run, fn)

    async def push(self, fn: Callable[[App], T]) -> T:
        """Run a team push on a thread of its own: a large batch never stalls a page."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._push.pool, self._push.run, fn)

    def close(self) -> None:
        self._db.close()
        self._slow.close()
        self._push.close()
