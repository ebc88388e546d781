"""The daemon: due times (intervals, backoff, Retry-After), isolation between accounts,
config changes picked up while running, one daemon per store, and a clean SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from aiusage.accounts import save_account, set_enabled
from aiusage.app import AppContext, open_app
from aiusage.daemon import AlreadyRunning, Daemon, DaemonLock, DaemonOptions, next_due_ms
from aiusage.fake.server import FakeServer, Recorded, Reply, rate_limited, slow
from aiusage.records import Account, Observation
from aiusage.sources.providers.base import STATUS, Collected, CollectRequest, ProviderInfo
from aiusage.sources.providers.http import request_json
from aiusage.store.health import Health, load_health

NOW = 1_790_000_000_000


def health(**kw: Any) -> Health:
    return Health("a", "p", last_attempt_ms=NOW, **kw)


def test_due_times_follow_interval_backoff_and_retry_after() -> None:
    assert next_due_ms(None, 300, NOW) == NOW  # never collected: now
    assert next_due_ms(health(status="ok"), 300, NOW) == NOW + 300_000
    assert next_due_ms(health(status="ok"), 300, NOW, jitter_s=12.5) == NOW + 312_500
    assert next_due_ms(health(status="degraded", failures=0), 300, NOW) == NOW + 300_000
    failing = [
        next_due_ms(health(status="unreachable", failures=n), 300, NOW) - NOW
        for n in (1, 2, 3, 4, 5, 9)
    ]
    assert failing == [300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 3_600_000]
    # A daily account is never retried sooner than daily because it failed.
    daily = health(status="auth_error", failures=3)
    assert next_due_ms(daily, 86_400, NOW) == NOW + 86_400_000
    limited = health(status="rate_limited", failures=1, retry_at_ms=NOW + 7_200_000)
    assert next_due_ms(limited, 300, NOW) == NOW + 7_200_000
    early_retry = health(status="ok", retry_at_ms=NOW + 1_000)
    assert next_due_ms(early_retry, 300, NOW) == NOW + 300_000


class PingFake(FakeServer):
    """GET /ping answers {"ok": 1}; scripted replies (429, slow) replace it."""

    def __init__(self, *scripted: Reply, always: Reply | None = None) -> None:
        super().__init__()
        self.always = always
        self.script(*scripted)

    def answer(self, request: Recorded) -> Reply:
        return self.always or self.next_scripted() or Reply(200, {"ok": 1})


class PingProvider:
    info = ProviderInfo(
        name="ping",
        label="Ping",
        default_base_url="http://127.0.0.1:9",
        reports=frozenset({STATUS}),
        key_required=False,
        min_interval_s=1,
        default_interval_s=1,
    )

    async def collect(self, request: CollectRequest) -> Collected:
        await request_json(request.client, "GET", "ping", label="ping", secrets=[], sleep=_no_sleep)
        reading = Observation(
            ts_ms=int(time.time() * 1000), account=request.account, metric="up", value=1.0
        )
        return Collected(observations=[reading])

    async def check(self, request: CollectRequest) -> str:
        return "ok"


async def _no_sleep(_: float) -> None:
    return None


def _add(config: Path, name: str, url: str) -> Account:
    account = Account(name, "ping", base_url=url, interval_s=1)
    save_account(config, account)
    return account


def test_accounts_run_on_their_own_schedule_and_a_failing_one_never_delays_another(
    tmp_path: Path, database_url: str
) -> None:
    config = tmp_path / "config.toml"
    good, limited = PingFake(), PingFake(rate_limited({"error": "slow down"}, "3600"))
    hanging = PingFake(always=slow(30.0))
    with good as good_url, limited as limited_url, hanging as hanging_url:
        _add(config, "good", good_url)
        _add(config, "limited", limited_url)
        _add(config, "hanging", hanging_url)
        app = open_app(AppContext(database_url=database_url, config_path=config))
        options = DaemonOptions(
            logs_interval_s=0, reload_s=0.2, jitter=0.0, timeout_s=0.5, alerts_every_s=0.3
        )
        results: list[Any] = []
        daemon = Daemon(app, options, providers={"ping": PingProvider()}, on_result=results.append)

        async def scenario() -> tuple[int, int]:
            task = asyncio.create_task(daemon.run())
            await asyncio.sleep(3.3)
            seen = len(good.requests)
            # Disabled while running: picked up at the next config read, no more requests.
            set_enabled(config, app.accounts.get("good"), False)
            await asyncio.sleep(1.5)
            daemon.stop.set()
            await asyncio.wait_for(task, 5)
            return seen, len(good.requests)

        before_disable, after = asyncio.run(scenario())
        states = load_health(app.store.db)
        alerted = {e["key"] for e in app.alerts.log()}
        app.close()
    # The daemon evaluates the alert rules after collections: both failing accounts alert.
    assert {"source_error:limited", "source_error:hanging"} <= alerted
    assert daemon.alert_checks >= 1
    assert before_disable >= 3  # every second, while 'hanging' timed out in the background
    assert after - before_disable <= 1  # at most one already in flight when it was disabled
    assert len(limited.requests) == 1  # Retry-After 3600 honoured
    assert states["limited"].status == "rate_limited"
    assert states["hanging"].status == "unreachable"
    assert states["good"].status == "ok"
    # Each try of 'hanging' is a few timed-out requests; the tries back off: 0 s, 1 s, 2 s.
    assert 1 <= sum(r.account == "hanging" for r in results) <= 3
    assert {r.account for r in results} == {"good", "limited", "hanging"}


def test_one_daemon_per_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIUSAGE_HOME", str(tmp_path / "home-a"))
    one, other = f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'other.db'}"
    with DaemonLock(one) as lock:
        assert lock.path.read_text() == str(os.getpid())
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            DaemonLock(one).__enter__()
        # Another AIUSAGE_HOME (`aiusage demo --home` beside `AIUSAGE_HOME=… aiusage
        # serve`) opening the same file finds the same lock.
        monkeypatch.setenv("AIUSAGE_HOME", str(tmp_path / "home-b"))
        with pytest.raises(AlreadyRunning):
            DaemonLock(one).__enter__()
        with DaemonLock(other):
            pass  # another store: its own lock
    with DaemonLock(one):
        pass  # released on exit
    monkeypatch.chdir(tmp_path)
    with DaemonLock("sqlite:///one.db"), pytest.raises(AlreadyRunning):
        DaemonLock(one).__enter__()  # a relative path is the same file


def test_the_daemon_command_collects_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`aiusage daemon` as a user runs it: logs each collection, exits 0 on SIGTERM,
    and a second daemon on the same store is refused with the first one's pid."""
    home = tmp_path / "home"
    env = {**os.environ, "AIUSAGE_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"}
    from aiusage.fake.local import FakeOllama

    with FakeOllama() as url:
        _add_cli(env, "ollama", "--name", "local", "--base-url", url, "--interval", "10s")
        proc = subprocess.Popen(
            [sys.executable, "-m", "aiusage", "daemon", "--logs-interval", "1s"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            line = ""
            deadline = time.monotonic() + 30
            while "local (ollama)" not in line and time.monotonic() < deadline:
                line = proc.stderr.readline() if proc.stderr else ""
            assert "local (ollama)" in line, line
            second = subprocess.run(
                [sys.executable, "-m", "aiusage", "daemon"],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert second.returncode != 0
            assert f"pid {proc.pid}" in second.stderr
        finally:
            proc.send_signal(signal.SIGTERM)
            _, rest = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "daemon stopped" in rest
    status = subprocess.run(
        [sys.executable, "-m", "aiusage", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert '"status": "ok"' in status.stdout


def _add_cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", "accounts", "add", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
