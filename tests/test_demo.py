"""`aiusage demo` and `aiusage fake-server` as a newcomer runs them: real processes, real
loopback HTTP, real files; the demo fills every report and status, and leaks no key."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from aiusage.app import AppContext, open_app
from aiusage.demo import live
from aiusage.fake import catalog

ENV = {"NO_COLOR": "1", "COLUMNS": "200"}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiusage", *args],
        env={**os.environ, **ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_once_fills_reports_and_status_and_leaks_no_key(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    env = {"AIUSAGE_HOME": str(home)}
    first = _run(env, "demo", "--once", "--days", "10")
    assert first.returncode == 0, first.stderr
    assert "Wrote" in first.stdout and "collected 8 of 8 accounts" in first.stdout

    summary = json.loads(_run(env, "--json").stdout)
    month = summary["periods"]["month"]
    assert {"claude-code", "codex", "openai-demo", "anthropic-demo"} <= set(month)
    status = json.loads(_run(env, "status", "--json").stdout)["accounts"]
    assert {a["name"]: a["status"] for a in status} == {
        f"{p}-demo": "ok" for p in ("openai", "anthropic", "openrouter", "deepseek")
    } | {f"{p}-demo": "ok" for p in ("groq", "ollama", "vllm", "copilot")}
    readings = {a["name"]: {o["metric"] for o in a["observations"]} for a in status}
    assert "balance" in readings["deepseek-demo"]
    assert "rate_limit_remaining" in readings["groq-demo"]

    # Run again: the history is not written twice, the fakes come back on their ports.
    config = (home / "config.toml").read_text()
    again = _run(env, "demo", "--once", "--days", "10")
    assert again.returncode == 0, again.stderr
    assert "Wrote" not in again.stdout and "collected 8 of 8" in again.stdout
    ports = re.findall(r"^(\w+) = (\d+)$", config, re.M)
    assert ports and all(
        f"{name} = {port}" in (home / "config.toml").read_text() for name, port in ports
    )

    # No fake key in any file of the demo home (config, database, logs).
    keys = [k for g in catalog.GROUPS.values() for _, k, _ in g.providers.values() if k]
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [k for k in keys if k.encode() in data], path


def test_demo_refuses_a_home_with_real_data(tmp_path: Path) -> None:
    home = tmp_path / "real"
    home.mkdir()
    (home / "config.toml").write_text('timezone = "Europe/Paris"\n')
    done = _run({"AIUSAGE_HOME": str(home)}, "demo", "--once")
    assert done.returncode == 2
    assert "already holds a real aiusage configuration" in done.stderr
    assert "--home" in done.stderr
    assert (home / "config.toml").read_text() == 'timezone = "Europe/Paris"\n'


def test_a_running_demo_adds_turns_and_grows_local_counters(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    assert _run({"AIUSAGE_HOME": str(home)}, "demo", "--once", "--days", "2").returncode == 0
    fleet = catalog.Fleet(["vllm"], now_ms=int(time.time() * 1000))
    fleet.start()
    app = open_app(AppContext(config_path=home / "config.toml"))
    try:
        before = app.refresh().events_written
        vllm: Any = fleet.servers["vllm"]
        tokens = sum(m.prompt for m in vllm.models.values())
        tick = live(app, fleet, seed=1)
        tick()
        assert app.refresh().events_written == before + 1  # one new Claude Code turn
        assert sum(m.prompt for m in vllm.models.values()) > tokens
    finally:
        app.close()
        fleet.stop()


def test_fake_server_serves_real_formats_until_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiusage", "fake-server", "groq", "deepseek"],
        env={**os.environ, **ENV, "AIUSAGE_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.stdout:
            lines.append(proc.stdout.readline())
            if "Serving until" in lines[-1]:
                break
        text = "".join(lines)
        groq = re.search(r"^groq\s+(http://127\.0\.0\.1:\d+/groq)$", text, re.M)
        key = re.search(r"echo (fake-groq-key-\w+)", text)
        assert groq and key, text
        assert "aiusage accounts add deepseek --name deepseek-fake" in text
        ok = httpx.get(
            f"{groq.group(1)}/openai/v1/models",
            headers={"Authorization": f"Bearer {key.group(1)}"},
        )
        assert ok.status_code == 200 and ok.json()["data"]
        assert "x-ratelimit-remaining-requests" in ok.headers
        refused = httpx.get(f"{groq.group(1)}/openai/v1/models")
        assert refused.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_fake_server_names_the_providers_it_has() -> None:
    done = _run({}, "fake-server", "openai", "nosuch")
    assert done.returncode == 2
    assert "no fake for nosuch" in done.stderr and "anthropic" in done.stderr
