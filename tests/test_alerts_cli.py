"""Alerts end to end: a store with a budget overrun, a window near its limit and a failing
account; `aiusage alerts check` notifies each once, the log keeps them, pause holds them."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from aiusage.fake.server import FakeServer, Recorded, Reply
from aiusage.records import WINDOW_USED_PERCENT, Observation, UsageEvent
from aiusage.store import open_store
from aiusage.store.health import Health, save_health
from aiusage.store.store import event_row
from clitools import run_cli


def _seed(home: Path, now_ms: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        'timezone = "UTC"\n'
        '[budgets.daily]\nlimit = 5\nperiod = "daily"\n'
        '[accounts.openai-work]\nprovider = "openai"\nkey_env = "NOPE"\n'
        "[alerts.limit]\nwarning = 70\n"
    )
    store = open_store(f"sqlite:///{home}/aiusage.db")
    event = UsageEvent(
        ts_ms=now_ms - 60_000,
        source="claude-code",
        dedup_key="e1",
        model="m",
        input_tokens=10,
        reported_cost_usd=6.5,
    )
    store.write(
        [event_row(event, 6.5)],
        [
            Observation(
                ts_ms=now_ms - 60_000,
                account="codex",
                metric=WINDOW_USED_PERCENT,
                value=72.0,
                window="primary",
                resets_at_ms=now_ms + 3_600_000,
                source="codex",
            )
        ],
    )
    save_health(
        store.db,
        Health(
            "openai-work",
            "openai",
            status="auth_error",
            message="OpenAI refused the key",
            hint="create a new Admin key",
            last_attempt_ms=now_ms,
            failures=2,
        ),
    )
    store.close()


def test_check_notifies_once_and_logs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _seed(home, int(time.time() * 1000))
    first = json.loads(run_cli(home, "alerts", "check", "--json", "--no-refresh").stdout)
    assert sorted(f["key"] for f in first["fired"]) == [
        "budget:daily",
        "limit:codex:primary",
        "source_error:openai-work",
    ]
    severities = {f["key"]: f["severity"] for f in first["fired"]}
    assert (
        severities["budget:daily"] == "critical" and severities["limit:codex:primary"] == "warning"
    )
    again = json.loads(run_cli(home, "alerts", "check", "--json", "--no-refresh").stdout)
    assert again["fired"] == [] and len(again["active"]) == 3
    log = json.loads(run_cli(home, "alerts", "--json").stdout)["alerts"]
    assert len(log) == 3 and {e["status"] for e in log} == {"logged"}
    table = run_cli(home, "alerts").stdout
    assert "Budget daily exceeded (130%)" in table and "Fix: create a new Admin key" in table


def test_pause_holds_notifications_until_resumed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _seed(home, int(time.time() * 1000))
    assert "paused until" in run_cli(home, "alerts", "pause", "2h").stdout
    held = json.loads(run_cli(home, "alerts", "check", "--json", "--no-refresh").stdout)
    assert held["fired"] == [] and len(held["active"]) == 3
    assert run_cli(home, "alerts", "resume").returncode == 0
    after = json.loads(run_cli(home, "alerts", "check", "--json", "--no-refresh").stdout)
    assert len(after["fired"]) == 3  # pending alerts fire once the pause ends
    assert "No alerts yet" in run_cli(tmp_path / "empty", "alerts").stdout


def test_a_spend_spike_today_alerts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('timezone = "UTC"\n')
    now = int(time.time() * 1000)
    store = open_store(f"sqlite:///{home}/aiusage.db")
    day = 86_400_000
    events = [
        UsageEvent(
            ts_ms=now - d * day,
            source="codex",
            dedup_key=f"d{d}",
            model="m",
            input_tokens=10,
            reported_cost_usd=usd,
        )
        for d, usd in [(d, 2.0 + (d % 3) * 0.25) for d in range(1, 29)] + [(0, 45.0)]
    ]
    store.write([event_row(e, e.reported_cost_usd) for e in events])
    store.close()
    fired = json.loads(run_cli(home, "alerts", "check", "--json", "--no-refresh").stdout)["fired"]
    assert [f["key"] for f in fired] == ["spike:codex"]
    assert fired[0]["title"] == "Spend spike on codex: $45.00 today"


class Receiver(FakeServer):
    """A webhook endpoint on loopback: /ok answers 200, /down always 500."""

    def answer(self, request: Recorded) -> Reply:
        return Reply(200, {"ok": True}) if request.path == "/ok" else Reply(500, "down")


def test_fired_alerts_reach_every_channel_and_the_log_says_how(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _seed(home, int(time.time() * 1000))
    receiver = Receiver()
    with receiver as url:
        with (home / "config.toml").open("a") as config:
            config.write(
                '[notifiers.hook]\ntype = "webhook"\nurl_env = "HOOK_URL"\n'
                'secret_env = "HOOK_SECRET"\n'
                '[notifiers.broken]\ntype = "webhook"\nurl_env = "BROKEN_URL"\n'
                'secret_env = "HOOK_SECRET"\nattempts = 2\n'
                '[notifiers.pager]\ntype = "webhook"\nurl_env = "HOOK_URL"\n'
                'secret_env = "HOOK_SECRET"\nmin_severity = "critical"\n'
            )
        os.environ.update(
            HOOK_URL=f"{url}/ok", BROKEN_URL=f"{url}/down", HOOK_SECRET="s3cret-hook-key"
        )
        try:
            fired = json.loads(run_cli(home, "alerts", "check", "--json", "--no-refresh").stdout)
        finally:
            for name in ("HOOK_URL", "BROKEN_URL", "HOOK_SECRET"):
                os.environ.pop(name)
    assert len(fired["fired"]) == 3
    bodies = [json.loads(r.body) for r in receiver.requests if r.path == "/ok"]
    # 'hook' gets all three; 'pager' only the critical one (the budget).
    assert sorted(b["key"] for b in bodies) == sorted(
        ["budget:daily", "budget:daily", "limit:codex:primary", "source_error:openai-work"]
    )
    signed = [
        r for r in receiver.requests if r.path == "/ok" and "x-aiusage-signature" in r.headers
    ]
    assert signed and all(r.headers["x-aiusage-signature"].startswith("sha256=") for r in signed)
    assert sum(r.path == "/down" for r in receiver.requests) == 3 * 2  # retried, then given up
    log = {e["key"]: e for e in json.loads(run_cli(home, "alerts", "--json").stdout)["alerts"]}
    assert log["budget:daily"]["status"] == "partial"
    assert log["budget:daily"]["delivery"]["hook"] == "ok"
    assert log["budget:daily"]["delivery"]["pager"] == "ok"
    assert "500" in log["budget:daily"]["delivery"]["broken"]
    assert "pager" not in log["limit:codex:primary"]["delivery"]  # below its min_severity
    everything = (home / "config.toml").read_text() + json.dumps(log)
    assert "s3cret-hook-key" not in everything
