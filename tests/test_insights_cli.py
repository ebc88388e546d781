"""`aiusage forecast` and `aiusage anomalies` as a user runs them: real usage events in a
real store (SQLite and PostgreSQL), real agent logs, a real process, JSON checked to
the cent."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aiusage.records import UsageEvent
from aiusage.store import Store
from logs_factory import claude_file, claude_line, iso

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def aiusage(database_url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    db = ["--database", database_url] if database_url else []
    result = subprocess.run(
        [sys.executable, "-m", "aiusage", *args, "--tz", "UTC", *db],
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def as_json(database_url: str | None, *args: str) -> Any:
    return json.loads(aiusage(database_url, *args, "--json").stdout)


def utc_today() -> date:
    """Today in UTC, away from midnight: the CLI must see the same day as the test."""
    left = DAY_MS - int(time.time() * 1000) % DAY_MS
    if left < 120_000:
        time.sleep(left / 1000 + 1)
    return datetime.now(UTC).date()


def at(day: date, hour: int = 12, minute: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).timestamp() * 1000)


def spend(source: str, ts_ms: int, usd: float) -> UsageEvent:
    return UsageEvent(
        ts_ms=ts_ms,
        source=source,
        dedup_key=f"{source}-{ts_ms}",
        model="claude-sonnet-4-5",
        output_tokens=100,
        reported_cost_usd=usd,
    )


def test_forecast_per_source_and_total(store: Store, database_url: str) -> None:
    today = utc_today()
    events = [spend("claude-code", at(today - timedelta(days=i)), 2.0) for i in range(1, 41)]
    events += [spend("codex", at(today - timedelta(days=i), 9), 0.5) for i in range(1, 41)]
    events.append(spend("claude-code", at(today, 0, 1), 1.0))  # today so far
    store.add_events(events)

    data = as_json(database_url, "forecast", "--no-refresh")
    days = calendar.monthrange(today.year, today.month)[1]
    assert (data["period"], data["today"], data["timezone"]) == ("month", str(today), "UTC")
    assert (data["start"], data["end"]) == (str(today.replace(day=1)), str(today.replace(day=days)))
    rows = {r["scope"]: r for r in data["forecasts"]}
    assert list(rows) == ["claude-code", "codex", "total"]
    spent = {"claude-code": 2.0 * (today.day - 1) + 1.0, "codex": 0.5 * (today.day - 1)}
    spent["total"] = spent["claude-code"] + spent["codex"]
    expected = {"claude-code": 2.0 * days, "codex": 0.5 * days, "total": 2.5 * days}
    for scope, row in rows.items():
        assert row["spent_usd"] == pytest.approx(spent[scope], abs=1e-4), scope
        assert row["expected_usd"] == pytest.approx(expected[scope], abs=1e-4), scope
        assert row["low_usd"] == pytest.approx(expected[scope], abs=1e-4)  # no noise at all
        assert row["high_usd"] == pytest.approx(expected[scope], abs=1e-4)
        assert (row["method"], row["history_days"], row["level"]) == ("holt-winters", 40, 0.9)
    assert data["windows"] == []

    week = as_json(
        database_url, "forecast", "--no-refresh", "--period", "week", "--source", "codex"
    )
    assert [r["scope"] for r in week["forecasts"]] == ["codex", "total"]
    assert week["forecasts"][0]["expected_usd"] == pytest.approx(3.5, abs=1e-4)

    custom = as_json(
        database_url,
        "forecast",
        "--no-refresh",
        "--since",
        str(today - timedelta(days=10)),
        "--until",
        str(today + timedelta(days=9)),
    )
    total = custom["forecasts"][-1]
    assert custom["period"] == "custom"
    assert total["spent_usd"] == pytest.approx(2.5 * 10 + 1.0, abs=1e-4)
    assert total["expected_usd"] == pytest.approx(2.5 * 20, abs=1e-4)

    table = aiusage(database_url, "forecast", "--no-refresh").stdout
    assert f"${2.5 * days:,.2f}" in table and "holt-winters" in table


def test_forecast_says_when_history_is_too_short(store: Store, database_url: str) -> None:
    today = utc_today()
    store.add_events([spend("codex", at(today - timedelta(days=i)), 3.0) for i in (1, 2)])
    data = as_json(database_url, "forecast", "--no-refresh")
    for row in data["forecasts"]:
        assert (row["method"], row["expected_usd"], row["history_days"]) == ("none", None, 2)
        assert row["note"] == "not enough history: 2 days; forecasts need 3"
    table = aiusage(database_url, "forecast", "--no-refresh").stdout
    assert "not enough history: 2 days; forecasts need 3" in table

    empty = aiusage(database_url, "forecast", "--no-refresh", "--source", "gemini").stdout
    assert "No spend recorded for this scope yet" in empty
    assert "not enough history: 0 days; forecasts need 3" in empty


def test_daily_and_hourly_spikes(store: Store, database_url: str) -> None:
    today = utc_today()
    pattern = [1.0, 1.2, 0.9, 1.1, 1.0]
    spike_day = today - timedelta(days=10)
    events = [spend("codex", at(today - timedelta(days=i)), pattern[i % 5]) for i in range(1, 61)]
    events = [e for e in events if e.ts_ms != at(spike_day)]
    events.append(spend("codex", at(spike_day), 25.0))
    # Claude Code: busy hours 10-17 at about $0.50, one $9 hour three days ago
    spike_hour = at(today - timedelta(days=3), 14, 20)
    for i in range(1, 15):
        for hour in range(10, 18):
            ts = at(today - timedelta(days=i), hour, 20)
            usd = 9.0 if ts == spike_hour else 0.4 + 0.05 * ((i + hour) % 5)
            events.append(spend("claude-code", ts, usd))
    store.add_events(events)

    daily = as_json(database_url, "anomalies", "--no-refresh", "--source", "codex")
    assert (daily["granularity"], daily["days"], daily["sensitivity"]) == ("day", 30, 3.5)
    (found,) = daily["anomalies"]
    assert (found["source"], found["when"], found["value_usd"]) == ("codex", str(spike_day), 25.0)
    assert found["baseline_usd"] == pytest.approx(1.0)  # the median of the 21 days before
    assert found["score"] > 20

    hourly = as_json(database_url, "anomalies", "--no-refresh", "--hourly", "--days", "7")
    assert hourly["granularity"] == "hour"
    (found,) = hourly["anomalies"]
    assert found["source"] == "claude-code"
    assert found["when"] == f"{today - timedelta(days=3)}T14:00"
    assert found["value_usd"] == 9.0
    assert 0.4 <= found["baseline_usd"] <= 0.6

    quiet = as_json(database_url, "anomalies", "--no-refresh", "--sensitivity", "1000")
    assert quiet["anomalies"] == [] and quiet["sources"] == ["claude-code", "codex"]
    table = aiusage(database_url, "anomalies", "--no-refresh").stdout
    assert str(spike_day) in table and "$25.00" in table


def test_forecast_from_agent_logs_matches_the_daily_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    today = utc_today()
    lines = [
        claude_line(
            ts=iso(datetime.fromtimestamp(at(today - timedelta(days=i)) / 1000, UTC)),
            msg_id=f"m{i}",
            req_id=f"r{i}",
            output_tokens=1000 + 10 * i,
        )
        for i in range(0, 12)
        if i or at(today) < time.time() * 1000
    ]
    claude_file(root, "proj", "sess-1", lines)
    data = as_json(None, "forecast")  # reads the logs first
    daily = as_json(None, "daily", "--no-refresh", "--since", str(today.replace(day=1)))
    (claude, total) = data["forecasts"]
    assert claude["scope"] == "claude-code" and claude["method"] == "linear"
    assert claude["history_days"] == 11
    assert claude["spent_usd"] == pytest.approx(daily["totals"]["cost_usd"], abs=1e-4)
    assert claude["expected_usd"] > claude["spent_usd"]
    assert total["expected_usd"] == claude["expected_usd"]
