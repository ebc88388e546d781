"""The daemon pushes after collections, keeps collecting while the team server is down,
and drains what piled up once it is back; joining while it runs is picked up."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest
from team_fake import TOKEN, Naps, TeamFake, events

from aiusage.app import App
from aiusage.daemon import Daemon, DaemonOptions
from aiusage.secrets import store_team_token
from aiusage.store import open_store
from aiusage.store.push_queue import queue_history
from aiusage.team_config import TeamSettings, save_team


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def join_elsewhere(member: App, server: TeamFake) -> None:
    """What `aiusage team join` does, from another process: keyring, config file, queue."""
    other = open_store(member.store.url)
    try:
        queue_history(other.db, 0)
    finally:
        other.close()
    store_team_token(server.base_url, TOKEN)
    assert member.config.path is not None
    save_team(member.config.path, TeamSettings(server.base_url, "ci-box"))


def test_the_daemon_pushes_after_collections_and_rides_out_a_dead_server(
    member: App, team_server: TeamFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    written = [0]

    def collect() -> None:  # each log scan finds five new turns
        member.store.write(events(5, start=1 + written[0]))
        written[0] += 5

    options = DaemonOptions(logs_interval_s=0.05, reload_s=0.1, alerts_every_s=0, push_every_s=0.05)
    daemon = Daemon(member, options, on_tick=collect, push_options={"sleep": Naps()})
    port = int(team_server.base_url.rsplit(":", 1)[1])

    async def scenario() -> None:
        task = asyncio.create_task(daemon.run())
        await asyncio.sleep(0.3)
        assert team_server.event_count() == 0  # not in a team yet: nothing pushed
        join_elsewhere(member, team_server)  # `aiusage team join` in another terminal
        await until(lambda: daemon.pushes >= 2)
        team_server.stop()
        scans = daemon.log_scans
        await until(lambda: daemon.log_scans >= scans + 5)  # collection goes on
        assert "could not reach" in member.team_member.status().error
        team_server.start(port)
        piled_up = written[0]
        await until(lambda: team_server.event_count() >= piled_up)  # drained by the daemon
        daemon.stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(scenario())
    status = member.team_member.status()
    if status.backlog_events:  # the daemon stopped between a write and its push
        assert asyncio.run(member.team_member.push(sleep=Naps())).ok
    assert team_server.event_count() == written[0]
    assert member.team_member.status().backlog_events == 0
    assert "team push: could not reach the team server" in caplog.text
    assert TOKEN not in caplog.text
