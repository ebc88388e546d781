"""The monitor stays current: `r` reads the logs now, writes by another process show up
by themselves, countdowns tick from the clock alone, the collector runs in-process unless
a daemon already holds the store, and --tz moves the day boundary."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from tuitools import NOW, Clock, cell, drive, pane, populate, settle, topbar

from aiusage.app import AppContext, open_app
from aiusage.records import UsageEvent
from aiusage.store import open_store
from aiusage.tui.monitor import TopApp
from logs_factory import claude_line, iso, write_lines


async def until(pilot: Pilot[Any], done: Any, seconds: float = 10.0) -> None:
    """Let the app run (timers, workers) until ``done()`` holds."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("the monitor did not get there in time")


def store_url() -> str:
    app = open_app(AppContext())
    try:
        return app.store.url
    finally:
        app.close()


@pytest.mark.usefixtures("home")
def test_r_reads_new_agent_log_lines_at_once(tmp_path: Path) -> None:
    """A Claude Code turn written after the monitor opened is on screen after `r`,
    without waiting for any collector (there is none here)."""
    projects = tmp_path / "user-home" / ".claude" / "projects" / "shop"
    when = iso(datetime.fromtimestamp((NOW - 120_000) / 1000, UTC))
    line = claude_line(ts=when, msg_id="msg_new", req_id="req_new", output_tokens=50_000)

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        before = cell(app, "claude-code", "today")
        loads = app.loads
        write_lines(projects / "new-session.jsonl", [line])
        await pilot.press("r")
        await until(pilot, lambda: app.loads > loads and not len(app.workers))
        await settle(pilot)
        assert money(cell(app, "claude-code", "today")) > money(before) + 0.5  # 50k output
        shown = [n.message for n in app._notifications]
        assert any(m.startswith("read 1 new agent records") for m in shown)

    drive(check)


def money(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def check_alerts() -> None:
    writer = open_app(AppContext())
    writer.alerts.check(now_ms=NOW + 1_000, deliver=False)
    writer.close()


def test_what_another_process_writes_appears_by_itself(
    isolated_home: Path, database_url: str
) -> None:
    """The daemon (here: the test) writes usage and fires an alert; the monitor polls the
    store's markers, redraws, and raises the alert as a toast (on SQLite and PostgreSQL)."""
    populate(isolated_home, database_url)
    url = store_url()
    assert url == database_url

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        loads = app.loads
        store = open_store(url)
        store.add_events(
            [
                UsageEvent(
                    ts_ms=NOW - 60_000,
                    source="openai-work",
                    dedup_key="late-1",
                    model="gpt-4.1",
                    provider="openai",
                    input_tokens=1_000,
                    reported_cost_usd=150.0,
                )
            ]
        )
        store.close()
        await until(pilot, lambda: app.loads > loads)
        await settle(pilot)
        assert cell(app, "openai-work", "today") == "$153.25"
        await asyncio.to_thread(check_alerts)  # as the daemon does, elsewhere
        await until(pilot, lambda: "Budget monthly exceeded" in pane(app, "alerts"))
        assert any("Budget monthly exceeded" in n.message for n in app._notifications)

    drive(check, interval=0.1)


@pytest.mark.usefixtures("home")
def test_countdowns_tick_every_second_without_reading_the_store() -> None:
    clock = Clock()

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        loads = app.loads
        assert cell(app, "codex", "resets") == "2h 10m"
        assert "2h 30m left" in pane(app, "block")
        clock.now += 61_000
        await until(pilot, lambda: cell(app, "codex", "resets") == "2h 08m")
        assert "2h 28m left" in pane(app, "block")
        assert "15:31:01 UTC" in topbar(app)
        assert app.loads == loads  # the clock alone: no new read of the store

    drive(check, clock=clock)


@pytest.mark.usefixtures("isolated_home")
def test_collects_in_process_unless_a_daemon_holds_the_store() -> None:
    from aiusage.daemon import DaemonLock

    async def running(app: TopApp, pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.collector is not None and app.collector.state == "running")
        await until(pilot, lambda: "collecting here" in topbar(app))  # redrawn every second

    drive(running, collect=True)

    async def elsewhere(app: TopApp, pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.collector is not None and app.collector.state == "elsewhere")
        await until(pilot, lambda: "the daemon collects" in topbar(app))

    with DaemonLock(store_url()):
        drive(elsewhere, collect=True)


@pytest.mark.usefixtures("home")
def test_tz_moves_today_and_the_clock() -> None:
    """15:30 UTC is 00:30 the next day in Tokyo: today holds only the last half hour."""

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        assert "00:30:00 Asia/Tokyo" in topbar(app)
        assert cell(app, "claude-code", "today") == "$0.70"  # 15:00 and 15:18 UTC
        assert cell(app, "codex", "today") == "$0.00"

    drive(check, tz="Asia/Tokyo")


def test_quits_on_q(home: Path) -> None:
    async def go() -> TopApp:
        from tuitools import new_app

        app = new_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running
        return app

    assert asyncio.run(go()).return_code == 0
