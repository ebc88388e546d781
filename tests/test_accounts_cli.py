"""`aiusage accounts …` as a user runs it: keys go to the keyring, never to the config file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEY = "sk-admin-cli-test-0123456789abcdefghij"


def aiusage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiusage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )


def test_add_list_disable_remove_keeps_the_key_out_of_every_file(isolated_home: Path) -> None:
    added = aiusage(
        "accounts", "add", "hourly-missing", "--name", "work", "--key-stdin", stdin=KEY + "\n"
    )
    assert added.returncode == 2 and "no provider named 'hourly-missing'" in added.stderr
    assert not (isolated_home / "config.toml").exists()


def test_secret_looking_options_and_plain_http_are_refused_or_warned() -> None:
    from aiusage.accounts import check_option
    from aiusage.accounts_app import _url_warnings
    from aiusage.errors import ConfigError

    for name, value in (("api_key", "x"), ("token", "abc"), ("org", KEY)):
        try:
            check_option(name, value, "test")
        except ConfigError as exc:
            assert "env" in (exc.hint or "") or "keyring" in (exc.hint or "")
        else:
            raise AssertionError(f"{name}={value} was accepted")
    check_option("api_key_env", "MY_VAR", "test")  # a reference, not a secret
    assert _url_warnings("http://10.0.0.5:8000/v1")
    assert _url_warnings("http://127.0.0.1:8000/v1") == []
    assert _url_warnings("https://api.example.com/v1") == []


def test_interval_and_account_tables_round_trip(isolated_home: Path) -> None:
    from aiusage.accounts import parse_accounts, save_account
    from aiusage.records import Account

    path = isolated_home / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('timezone = "Europe/Paris"\n')
    account = Account(
        "work", "openai", "https://proxy.example/v1", None, 300, True, {"project_ids": "p1"}
    )
    save_account(path, account)
    import tomllib

    doc = tomllib.loads(path.read_text())
    assert doc["timezone"] == "Europe/Paris"  # the rest of the file is kept
    assert doc["accounts"]["work"]["interval"] == "5m"
    assert parse_accounts(doc["accounts"], path)["work"] == account
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    listed = json.loads(aiusage("accounts", "list", "--json").stdout)["accounts"]
    assert listed[0]["name"] == "work" and listed[0]["key"] == "keyring"


def test_collect_once_against_the_fake_fills_reports_and_status_without_leaking_the_key(
    isolated_home: Path,
) -> None:
    """The whole path a user takes: add an account, collect, read reports and status."""
    import time

    from aiusage.fake.anthropic import ADMIN_KEY, FakeAnthropic

    fake = FakeAnthropic(days=2, now_ms=int(time.time() * 1000))
    with fake as url:
        outputs = [
            aiusage(
                "accounts",
                "add",
                "anthropic",
                "--name",
                "ant",
                "--base-url",
                url,
                "--key-stdin",
                stdin=ADMIN_KEY + "\n",
            ),
            aiusage("accounts", "test", "ant"),
            aiusage("collect", "--once", "--backfill", "3", "--json"),
            aiusage("status", "--json"),
            aiusage("daily", "--json", "--source", "ant", "--no-refresh", "--tz", "UTC"),
            aiusage("accounts", "list", "--json"),
        ]
    for proc in outputs:
        assert proc.returncode == 0, proc.stderr
    [result] = json.loads(outputs[2].stdout)["results"]
    assert result["status"] == "ok" and result["events"] > 0
    [account] = json.loads(outputs[3].stdout)["accounts"]
    assert account["status"] == "ok" and account["last_success"]
    days = json.loads(outputs[4].stdout)
    assert days["totals"]["input_tokens"] == sum(r.uncached for r in fake.rows)
    assert days["totals"]["output_tokens"] == sum(r.output for r in fake.rows)
    assert days["totals"]["cost_usd"] > 0
    # the key reached the server, and nothing else
    assert fake.requests[0].headers["x-api-key"] == ADMIN_KEY
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert any(p.name == "config.toml" for p in files)
    for path in files:
        assert ADMIN_KEY.encode() not in path.read_bytes(), path
    for proc in outputs:
        assert ADMIN_KEY not in proc.stdout + proc.stderr
