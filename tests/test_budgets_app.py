"""Budgets over a real store (SQLite and PostgreSQL): scopes select the right records,
periods follow the configured zone and week start, and the CLI writes, shows and removes
them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aiusage.app import AppContext, open_app
from aiusage.errors import ConfigError
from aiusage.records import UsageEvent
from aiusage.store import open_store
from aiusage.store.store import event_row

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday
NOW_MS = int(NOW.timestamp() * 1000)
DAY_MS = 86_400_000


def _event(key: str, days_ago: float, source: str, usd: float, **kw: object) -> UsageEvent:
    fields: dict[str, object] = {
        "ts_ms": int(NOW_MS - days_ago * DAY_MS),
        "source": source,
        "dedup_key": key,
        "model": "claude-sonnet-4-5",
        "input_tokens": 1000,
        "output_tokens": 100,
        "requests": 1,
        "reported_cost_usd": usd,
    }
    fields.update(kw)
    return UsageEvent(**fields)  # type: ignore[arg-type]


def test_scopes_and_periods(tmp_path: Path, database_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\nstart_of_week = "sunday"\n')
    store = open_store(database_url)
    events = [
        _event("a", 0.1, "claude-code", 2.0, provider="anthropic", project="shop"),
        _event("b", 2.5, "claude-code", 3.0, provider="anthropic", project="infra"),  # Sunday
        _event("c", 1.0, "ant-work", 5.0, provider="anthropic", project="shop"),
        _event("d", 0.2, "openai-work", 7.0, provider="openai", project="shop"),
        _event("e", 30.0, "openai-work", 100.0, provider="openai"),  # last month
    ]
    store.write([event_row(e, e.reported_cost_usd) for e in events])
    store.close()
    app = open_app(AppContext(database_url=database_url, config_path=config))
    try:
        api = app.budgets
        api.set("all-month", {"limit": 100})
        api.set("anthropic-week", {"limit": 20, "period": "weekly", "scope": "provider:anthropic"})
        api.set("claude-day", {"limit": 1, "period": "daily", "scope": "agent:claude"})
        api.set("shop", {"tokens": 2000, "scope": "project:shop", "warn": 50})
        api.set("nobody", {"limit": 5, "scope": "provider:mistral"})
        got = {s.budget.name: s for s in api.status(now_ms=NOW_MS)}
    finally:
        app.close()
    assert got["all-month"].spent.usd == pytest.approx(17.0)  # not last month's 100
    # Sunday weeks: Sunday 22nd – Saturday 28th holds all three Anthropic records.
    assert (str(got["anthropic-week"].first_day), got["anthropic-week"].spent.usd) == (
        "2026-11-22",
        pytest.approx(10.0),
    )
    assert got["claude-day"].spent.usd == pytest.approx(2.0)  # 'claude' means claude-code
    assert got["claude-day"].state == "exceeded"
    assert got["shop"].spent.tokens == 3 * 1100 and got["shop"].state == "exceeded"
    assert got["nobody"].spent.usd == 0.0 and got["nobody"].state == "ok"


def test_budgets_cli_round_trip(tmp_path: Path) -> None:
    env = {**os.environ, "AIUSAGE_HOME": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "120"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aiusage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert "No budgets yet" in run("budgets", "--no-refresh").stdout
    done = run("budgets", "set", "team", "--limit", "250", "--period", "weekly", "--warn", "70")
    assert done.returncode == 0, done.stderr
    listed = json.loads(run("budgets", "list", "--json").stdout)["budgets"]
    assert listed == [
        {
            "name": "team",
            "scope": "all",
            "period": "weekly",
            "limit_usd": 250.0,
            "limit_tokens": None,
            "limit_requests": None,
            "warn_percent": 70.0,
            "start": None,
            "end": None,
        }
    ]
    shown = json.loads(run("budgets", "--json", "--no-refresh").stdout)["budgets"][0]
    assert (shown["spent_usd"], shown["percent"], shown["state"]) == (0.0, 0.0, "ok")
    table = run("budgets", "--no-refresh").stdout
    assert "team" in table and "$250.00" in table
    refused = run("budgets", "set", "x", "--period", "yearly", "--limit", "1")
    assert refused.returncode == 2 and "yearly" in refused.stderr
    assert run("budgets", "remove", "team").returncode == 0
    assert "[budgets" not in (tmp_path / "config.toml").read_text().replace("[budgets]", "")
    gone = run("budgets", "remove", "team")
    assert gone.returncode == 2 and "no budget named" in gone.stderr


def test_a_broken_budget_in_the_config_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[budgets.x]\nlimit = -3\n")
    with pytest.raises(ConfigError, match="budget x: limit = -3"):
        open_app(AppContext(database_url=f"sqlite:///{tmp_path}/a.db", config_path=config))
