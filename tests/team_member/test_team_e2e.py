"""A member pushing to the real team server: ``aiusage serve`` as a subprocess on
PostgreSQL, its members and tokens made through App.team, the member's store a SQLite
file. Everything arrives once, as its member and machine; a re-sent history changes
nothing; a malformed row is the only one dropped; a viewer's token cannot join."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from team_fake import events, readings, real_server

from aiusage.app import App, AppContext, open_app
from aiusage.errors import ConfigError
from aiusage.records import UsageEvent
from aiusage.store.store import event_row

pytestmark = pytest.mark.postgres


def server_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    app = open_app(AppContext(database_url=url))
    try:
        return app.store.db.query(sql)
    finally:
        app.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_member_pushes_to_aiusage_serve_on_postgresql(
    tmp_path: Path, database_url: str, member: App
) -> None:
    server_app = open_app(AppContext(database_url=database_url))
    try:
        owner = server_app.team.owner("cli")
        alice = server_app.team.add_user(owner, "alice", "member")["token"]
        viewer = server_app.team.add_user(owner, "vic", "viewer")["token"]
    finally:
        server_app.close()
    member.store.write(events(12_000), readings(3))

    with real_server(tmp_path / "server-home", database_url) as url:
        with pytest.raises(ConfigError, match="viewer"):
            member.team_member.join(url, viewer)
        joined = member.team_member.join(url, alice, machine="alice-laptop")
        assert (joined.queued_events, joined.queued_observations) == (12_000, 3)
        bad = event_row(UsageEvent(ts_ms=-5, source="claude-code", dedup_key="bad"), None)
        member.store.write([bad, *events(10, start=20_000)])

        result = member.team_member.push_now()
        assert (result.ok, result.events, result.observations) == (True, 12_010, 3)
        assert result.dropped == 1 and result.batches == 3  # 5,000, 5,000, 2,011 less the bad
        assert member.team_member.status().backlog_events == 0
        counted = "SELECT COUNT(*), MIN(user_name), MAX(machine) FROM usage_events"
        assert server_rows(database_url, counted) == [(12_010, "alice", "alice-laptop")]
        daily = "SELECT SUM(events) FROM team_daily WHERE user_name = 'alice'"
        assert server_rows(database_url, daily) == [(12_010,)]

        # Joining again queues the whole history again: it counts once all the same.
        member.team_member.join(url, alice, machine="alice-laptop")
        again = member.team_member.push_now()
        assert again.ok and again.events == 12_010
        assert server_rows(database_url, counted) == [(12_010, "alice", "alice-laptop")]
        assert server_rows(database_url, "SELECT COUNT(*) FROM observations") == [(3,)]
        assert server_rows(database_url, daily) == [(12_010,)]
