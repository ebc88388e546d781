"""Retention for a user: `aiusage prune` (dry run, JSON, refusals) on a real CLI, and a
daemon that applies the config file's retention once a day by itself."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from aiusage.app import AppContext, open_app
from aiusage.daemon import Daemon, DaemonOptions
from aiusage.records import Observation, UsageEvent
from aiusage.store import open_store
from clitools import run_cli

DAY_MS = 86_400_000


def _seed(url: str, now: int) -> None:
    store = open_store(url)
    store.add_events(
        UsageEvent(
            ts_ms=now - d * DAY_MS,
            source="claude-code",
            dedup_key=f"turn-{d}",
            model="claude-sonnet-4-5",
            input_tokens=100,
            output_tokens=10,
            reported_cost_usd=0.25,
        )
        for d in range(1, 201)
    )
    store.add_observations(
        [Observation(ts_ms=now - 150 * DAY_MS, account="acme", metric="balance", value=5.0)]
    )
    store.close()


def test_prune_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _seed(f"sqlite:///{home / 'aiusage.db'}", int(time.time() * 1000))
    (home / "config.toml").write_text(f'database_url = "sqlite:///{home / "aiusage.db"}"\n')

    unset = run_cli(home, "prune")
    assert unset.returncode == 2  # a usage problem, as for ConfigError elsewhere
    assert "no retention to prune by" in unset.stderr and "--older-than" in unset.stderr

    too_short = run_cli(home, "prune", "--older-than", "7d")
    assert too_short.returncode == 2 and "shorter than 30 days" in too_short.stderr

    dry = run_cli(home, "prune", "--older-than", "100d", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would delete" in dry.stdout and "100 usage events, 1 limit readings" in dry.stdout
    monthly_before = run_cli(home, "monthly", "--json", "--no-refresh").stdout

    done = run_cli(home, "prune", "--older-than", "100d", "--vacuum", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["usage_events"] == 100 and result["vacuumed"] is True
    assert result["size_after_bytes"] <= result["size_before_bytes"]
    # Every month's totals are as they were: only the raw rows went.
    assert run_cli(home, "monthly", "--json", "--no-refresh").stdout == monthly_before
    sessions = json.loads(run_cli(home, "session", "--json", "--no-refresh").stdout)
    assert sessions  # the last 100 days' turns are still there in full

    again = run_cli(home, "prune", "--older-than", "100d")
    assert again.returncode == 0 and "Nothing is older than 100 days" in again.stdout


def test_the_daemon_prunes_by_the_config_once_a_day(tmp_path: Path, database_url: str) -> None:
    now = int(time.time() * 1000)
    _seed(database_url, now)
    config = tmp_path / "config.toml"
    config.write_text('retention = "120d"\n')
    app = open_app(AppContext(database_url=database_url, config_path=config))
    daemon = Daemon(app, DaemonOptions(logs_interval_s=0, reload_s=0.1, alerts_every_s=0))

    async def run_briefly() -> None:
        task = asyncio.create_task(daemon.run())
        await asyncio.sleep(0.5)  # several config reads: still one prune
        daemon.stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(run_briefly())
    state = app.retention.state()
    assert state["last_prune_ms"] is not None and state["last_prune_ms"] >= now
    assert state["oldest_event_ms"] >= now - 120 * DAY_MS
    first = state["last_prune_ms"]
    assert app.retention.prune_if_due(now_ms=first + DAY_MS - 1) is None  # not due yet
    assert app.retention.prune_if_due(now_ms=first + DAY_MS) is not None
    app.close()
