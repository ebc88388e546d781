"""The daemon: collect every provider account on its own interval, and agent logs on theirs.

Why one task per account: an account waits for its own due time only, so a slow or failing
account never delays another; a shared semaphore bounds how many talk at once. Due times
come from the stored health (last attempt, consecutive failures, a 429's retry time), so a
restarted daemon neither hammers a provider nor forgets a ``Retry-After``. Jitter spreads
accounts that share an interval. The config file is re-read every ``reload_s``: accounts
added, changed, disabled or removed with ``aiusage accounts …`` take effect without a
restart. Writes happen on the event loop's one thread, so SQLite keeps a single writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from aiusage.errors import AiusageError
from aiusage.records import Account
from aiusage.runtime import (
    DEFAULT_BACKFILL_DAYS,
    DEFAULT_TIMEOUT_S,
    OK,
    AccountResult,
    collect_accounts,
)
from aiusage.store.health import Health, load_health

if TYPE_CHECKING:
    import httpx

    from aiusage.app import App
    from aiusage.sources.providers.base import Provider

log = logging.getLogger("aiusage.daemon")

MAX_BACKOFF_S = 3600.0  # a failing account is retried at least hourly
CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    logs_interval_s: float = 60.0  # agent logs; 0 turns log collection off
    reload_s: float = 30.0  # re-read the config file this often
    jitter: float = 0.1  # up to this fraction of the interval is added to each due time
    backfill_days: int = DEFAULT_BACKFILL_DAYS
    concurrency: int = CONCURRENCY
    timeout_s: float = DEFAULT_TIMEOUT_S  # per HTTP request
    alerts_every_s: float = 30.0  # evaluate alert rules at most this often; 0: never
    push_every_s: float | None = None  # push to the team server; None: [team]'s; 0: never


def interval_s(account: Account, provider: Provider | None) -> float:
    """The account's interval, never below what its provider allows."""
    if provider is None:
        return float(account.interval_s or 300)
    info = provider.info
    return float(max(account.interval_s or info.default_interval_s, info.min_interval_s))


def next_due_ms(health: Health | None, every_s: float, now_ms: int, jitter_s: float = 0.0) -> int:
    """When an account should be collected next.

    Never collected: now. Healthy: one interval after the last attempt. Failing: the
    interval doubles with each consecutive failure, up to an hour (or the interval, if
    longer). A rate limit's retry time is always honoured."""
    if health is None or health.last_attempt_ms is None:
        return now_ms
    wait_s = every_s
    if health.status not in (OK, "degraded") and health.failures > 0:
        wait_s = min(every_s * 2 ** (health.failures - 1), max(MAX_BACKOFF_S, every_s))
    due = health.last_attempt_ms + int((wait_s + jitter_s) * 1000)
    if health.retry_at_ms is not None:
        due = max(due, health.retry_at_ms)
    return due


Sleep = Callable[[float], Awaitable[None]]


class Daemon:
    """Runs until ``stop`` is set; ``on_result`` sees every account's collection."""

    def __init__(
        self,
        app: App,
        options: DaemonOptions | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        providers: dict[str, Provider] | None = None,
        on_result: Callable[[AccountResult], None] | None = None,
        on_tick: Callable[[], None] | None = None,
        rng: random.Random | None = None,
        push_options: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.options = options or DaemonOptions()
        self.transport = transport
        self.push_options = push_options or {}  # the team push's (tests: sleep, transport)
        self.providers = providers
        self.on_result = on_result or _log_result
        self.on_tick = on_tick  # runs before each log scan (the demo writes new turns)
        self.rng = rng or random.Random()
        self.stop = asyncio.Event()
        self.collections = 0  # account collections done, for tests and the status line
        self.log_scans = 0
        self.alert_checks = 0
        self.pushes = 0  # pushes to the team server that stored what was queued
        self._changed = True  # something was collected since the last alert check
        self._tasks: dict[str, tuple[Account, asyncio.Task[None]]] = {}
        self._gate = asyncio.Semaphore(self.options.concurrency)
        self._pricer = app.pricer()
        self._retention_days = app.config.retention_days  # re-read with the accounts

    def run_forever(self) -> None:
        """Hold the store's daemon lock and run until SIGINT or SIGTERM."""

        async def main() -> None:
            stop_on_signals(self.stop)
            await self.run()

        with DaemonLock(self.app.store.url):
            asyncio.run(main())

    async def run(self) -> None:
        """Supervise account tasks and the log task until ``stop`` is set."""
        log.info("daemon started on %s", self.app.store.shown_url)
        logs = asyncio.create_task(self._logs_loop()) if self.options.logs_interval_s else None
        alerts = asyncio.create_task(self._alerts_loop()) if self.options.alerts_every_s else None
        push = None
        if self.options.push_every_s != 0:
            from aiusage.team_daemon import push_loop

            push = asyncio.create_task(push_loop(self))
        try:
            while not self.stop.is_set():
                self._sync_tasks(self._accounts())
                self._prune_if_due()
                await self._wait(self.options.reload_s)
        finally:
            for _, task in self._tasks.values():
                task.cancel()
            helpers = [t for t in (logs, alerts, push) if t is not None]
            for task in helpers:
                task.cancel()
            await asyncio.gather(
                *(t for _, t in self._tasks.values()), *helpers, return_exceptions=True
            )
            self._tasks.clear()
            log.info("daemon stopped")

    def _accounts(self) -> dict[str, Account]:
        """Enabled accounts as the config file says now (the old set if it is broken)."""
        from aiusage.config import load_config

        try:
            config = load_config(self.app.config.path)
        except Exception as exc:  # a half-edited config must not stop collection
            log.warning("config file unreadable, keeping the accounts I have: %s", exc)
            return {name: account for name, (account, _) in self._tasks.items()}
        self.app.config.accounts.clear()
        self.app.config.accounts.update(config.accounts)
        if config.team != self.app.config.team:  # joined or left meanwhile
            self.app.config = replace(self.app.config, team=config.team)
        self._retention_days = config.retention_days
        return {n: a for n, a in config.accounts.items() if a.enabled}

    def _sync_tasks(self, wanted: dict[str, Account]) -> None:
        for name, (account, task) in list(self._tasks.items()):
            if wanted.get(name) != account or task.done():
                task.cancel()
                del self._tasks[name]
        for name, account in wanted.items():
            if name not in self._tasks:
                task = asyncio.create_task(self._account_loop(account), name=f"account:{name}")
                self._tasks[name] = (account, task)

    async def _account_loop(self, account: Account) -> None:
        from aiusage.plugins import provider as builtin

        found = (self.providers or {}).get(account.provider) or builtin(account.provider)
        every = interval_s(account, found)
        while not self.stop.is_set():
            health = load_health(self.app.store.db).get(account.name)
            now = _now_ms()
            due = next_due_ms(health, every, now, self.rng.uniform(0, self.options.jitter * every))
            if due > now and await self._wait((due - now) / 1000):
                return
            async with self._gate:
                results = await collect_accounts(
                    self.app.store,
                    [account],
                    self._pricer,
                    backfill_days=self.options.backfill_days,
                    timeout_s=self.options.timeout_s,
                    transport=self.transport,
                    providers=self.providers,
                )
            self.collections += 1
            self._changed = True
            for result in results:
                self.on_result(result)

    async def _logs_loop(self) -> None:
        while not self.stop.is_set():
            try:
                if self.on_tick is not None:
                    self.on_tick()
                report = self.app.refresh()
                self.log_scans += 1
                self._changed = self._changed or bool(report.events_written)
                if report.events_written:
                    log.info("agent logs: %d new records", report.events_written)
                for error in report.errors:
                    log.warning("agent logs: %s", error)
            except Exception as exc:  # a broken log never stops provider collection
                log.warning("agent logs: %s", exc)
            if await self._wait(self.options.logs_interval_s):
                return

    async def _alerts_loop(self) -> None:
        """Evaluate the alert rules after collections (at most every ``alerts_every_s``)."""
        while not self.stop.is_set():
            if await self._wait(self.options.alerts_every_s):
                return
            if not self._changed:
                continue
            self._changed = False
            try:
                for fired in await self.app.alerts.check_async():
                    log.warning("alert: %s: %s", fired.severity, fired.title)
                self.alert_checks += 1
            except Exception as exc:  # a broken rule or channel never stops collection
                log.warning("alerts: %s", exc)

    def _prune_if_due(self) -> None:
        """Apply the configured retention once a day (a failure is logged, not fatal)."""
        try:
            pruned = self.app.retention.prune_if_due(days=self._retention_days)
        except Exception as exc:
            log.warning("pruning old records: %s", exc)
            return
        if pruned is not None and pruned.counts.total:
            c = pruned.counts
            log.info(
                "pruned records older than %d days: %d usage events, %d readings, %d alerts",
                pruned.days,
                c.usage_events,
                c.observations,
                c.alert_log,
            )

    async def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the daemon was asked to stop meanwhile."""
        try:
            await asyncio.wait_for(self.stop.wait(), timeout=max(seconds, 0.0))
        except TimeoutError:
            return False
        return True


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (call inside the running loop). Windows has no
    signal handlers in asyncio; Ctrl-C still works there."""
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def _log_result(result: AccountResult) -> None:
    if result.status == OK:
        log.info(
            "%s (%s): %d records, %d readings in %.1f s",
            result.account,
            result.provider,
            result.events,
            result.observations,
            result.seconds,
        )
    else:
        log.warning(
            "%s (%s): %s: %s%s",
            result.account,
            result.provider,
            result.status,
            result.message,
            f" (hint: {result.hint})" if result.hint else "",
        )


def _now_ms() -> int:
    return int(time.time() * 1000)


class AlreadyRunning(AiusageError):
    """Another daemon holds this store's lock."""


def lock_path(store_url: str) -> Path:
    """Beside a SQLite file (every process that opens it finds the same lock, whatever
    its AIUSAGE_HOME: `aiusage demo --home` and `AIUSAGE_HOME=… aiusage serve`); in the
    data folder, named by the URL's hash, for PostgreSQL and in-memory stores."""
    import hashlib

    from aiusage.paths import user_dir
    from aiusage.store.db import is_postgres_url, sqlite_path

    if not is_postgres_url(store_url):
        path = sqlite_path(store_url)
        if path != ":memory:":
            db = Path(path).resolve()
            return db.with_name(db.name + ".daemon.lock")
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:12]
    return user_dir() / f"daemon-{digest}.lock"


class DaemonLock:
    """One daemon per store per machine: an exclusive lock on a file naming its pid.

    Why a lock and not a pid file alone: the OS drops the lock when the process dies, even
    on ``kill -9``, so a stale file never blocks the next start."""

    def __init__(self, store_url: str) -> None:
        self.path = lock_path(store_url)
        self._file: IO[str] | None = None

    def __enter__(self) -> DaemonLock:
        handle = self.path.open("a+", encoding="utf-8")
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows: no flock; a second daemon is the user's choice
            pass
        except OSError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            handle.close()
            raise AlreadyRunning(
                f"an aiusage daemon is already collecting into this store (pid {pid})",
                hint=f"stop it first (kill {pid}), or give another --database",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, *_: object) -> None:
        if self._file is not None:
            self._file.close()
            self.path.unlink(missing_ok=True)
            self._file = None
