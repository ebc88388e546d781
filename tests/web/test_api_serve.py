"""`aiusage serve` as a newcomer runs it after `aiusage demo`: a real process on a free
port, real HTTP, the collector in-process (or another daemon's), live events, SIGTERM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from webtools import Server, free_port

from aiusage.records import UsageEvent
from aiusage.store import open_store

TESTS = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo home (10 days) for the module: `aiusage demo --once --home DIR`."""
    home = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "AIUSAGE_HOME": str(home),
        "HOME": str(home / "user"),
        "AIUSAGE_NO_PLUGINS": "1",
        "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
        "AIUSAGE_TEST_KEYRING": str(home / "keyring.json"),
        "PYTHONPATH": str(TESTS),
    }
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", "demo", "--once", "--home", str(home), "--days", "10"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return home


def test_serve_answers_healthz_and_overview_of_the_demo(demo_home: Path) -> None:
    server = Server({"AIUSAGE_HOME": str(demo_home)}, "--no-collect")
    try:
        server.wait_up()
        health = httpx.get(server.url + "/healthz").json()
        assert health["status"] == "ok" and health["version"]
        overview = httpx.get(server.url + "/api/v1/overview", timeout=30).json()
        cards = {c["name"]: c for c in overview["cards"]}
        assert {"claude-code", "codex", "openai-demo", "anthropic-demo"} <= set(cards)
        assert cards["openai-demo"]["kind"] == "account"
        assert cards["claude-code"]["kind"] == "agent"
        assert overview["totals"]["month_usd"] > 0
        assert len(cards["claude-code"]["sparkline"]) == 14
        assert overview["status"] in ("ok", "warning", "critical")
        docs = httpx.get(server.url + "/openapi.json").json()
        assert "/api/v1/history" in docs["paths"]
        settings = httpx.get(server.url + "/api/v1/settings").json()
        assert settings["collector"]["state"] == "off"
    finally:
        out, _ = server.stop()
    assert server.proc.returncode == 0
    assert f"http://127.0.0.1:{server.port}/" in out


def test_in_process_collector_and_live_events_from_another_writer(demo_home: Path) -> None:
    """The collector runs in the server; a record written by another process (here the
    test itself, as a separate `aiusage daemon` would) arrives as a `usage` event."""
    server = Server({"AIUSAGE_HOME": str(demo_home)}, "--logs-interval", "1h")
    try:
        server.wait_up()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            state = httpx.get(server.url + "/api/v1/settings").json()["collector"]["state"]
            if state == "running":
                break
            time.sleep(0.2)
        assert state == "running"
        events: list[tuple[str, dict[str, object]]] = []
        with httpx.stream("GET", server.url + "/api/v1/events", timeout=30) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            event = ""
            written = False
            stopping = 0.0
            for line in lines:
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    events.append((event, json.loads(line[6:])))
                    if event == "hello" and not written:
                        _write_one(demo_home, "manual:live-test")
                        written = True
                    if event == "usage" and not stopping:
                        # SIGTERM with the stream open: it ends at once, not after
                        # uvicorn's graceful timeout.
                        server.proc.terminate()
                        stopping = time.monotonic()
            ended_after = time.monotonic() - stopping
        usage = [d for e, d in events if e == "usage"]
        assert usage and "manual:live-test" in usage[0]["sources"]  # type: ignore[operator]
        assert ended_after < 2.5
    finally:
        _, err = server.stop()
    assert server.proc.returncode == 0, err[-2000:]


def test_a_second_server_on_the_same_store_leaves_collecting_to_the_first(
    demo_home: Path,
) -> None:
    first = Server({"AIUSAGE_HOME": str(demo_home)}, "--logs-interval", "1h")
    second = None
    try:
        first.wait_up()
        _wait_state(first.url, "running")
        second = Server({"AIUSAGE_HOME": str(demo_home)}, "--logs-interval", "1h")
        second.wait_up()
        _wait_state(second.url, "elsewhere")
        message = httpx.get(second.url + "/api/v1/settings").json()["collector"]["message"]
        assert "already collecting" in message
    finally:
        if second is not None:
            second.stop()
        first.stop()


def test_a_busy_port_is_a_clear_error(demo_home: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "aiusage", "serve", "--port", str(port), "--no-collect"],
            env={**os.environ, "AIUSAGE_HOME": str(demo_home), "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "cannot listen" in done.stderr and "--port" in done.stderr


def _wait_state(url: str, wanted: str) -> None:
    deadline = time.monotonic() + 20
    state = ""
    while time.monotonic() < deadline:
        state = httpx.get(url + "/api/v1/settings").json()["collector"]["state"]
        if state == wanted:
            return
        time.sleep(0.2)
    raise AssertionError(f"collector state {state!r}, not {wanted!r}")


def _write_one(home: Path, source: str) -> None:
    store = open_store(f"sqlite:///{home / 'aiusage.db'}")
    try:
        store.add_events(
            [
                UsageEvent(
                    ts_ms=int(time.time() * 1000),
                    source=source,
                    dedup_key=f"live-{time.time_ns()}",
                    reported_cost_usd=1.25,
                )
            ]
        )
    finally:
        store.close()
