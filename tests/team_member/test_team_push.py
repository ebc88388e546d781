"""Pushing to a team server: the queue drains into a real second store exactly once,
whatever the server does (retries, reordering, days offline, 401, 413, 422), compressed,
with project names kept home when the member says so."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

from team_fake import TOKEN, Naps, TeamFake, events, readings

from aiusage.app import App
from aiusage.fake.server import Reply, html_error
from aiusage.records import UsageEvent
from aiusage.store import open_store
from aiusage.store.store import event_row


def join(app: App, server: TeamFake, **kw: Any) -> None:
    """Join (the server sees one empty push, checking the token), then forget that push."""
    app.team_member.join(server.base_url, TOKEN, machine="alice-laptop", **kw)
    server.requests.clear()
    server.bodies.clear()


def push(app: App, **options: Any) -> Any:
    options.setdefault("sleep", Naps())
    return asyncio.run(app.team_member.push(**options))


def backlog(app: App) -> tuple[int, int]:
    status = app.team_member.status()
    return status.backlog_events, status.backlog_observations


def test_join_queues_history_and_a_push_sends_it_once_gzipped(
    member: App, team_server: TeamFake
) -> None:
    member.store.write(events(3), readings(2))
    join(member, team_server)
    assert backlog(member) == (3, 2)
    member.store.write(events(2, start=10))  # written after joining: queued by the write
    assert backlog(member) == (5, 2)

    result = push(member)
    assert (result.ok, result.events, result.observations, result.batches) == (True, 5, 2, 1)
    assert backlog(member) == (0, 0)
    assert team_server.rows(
        "SELECT COUNT(*), MIN(user_name), MIN(machine), MIN(project) FROM usage_events"
    ) == [(5, "alice", "alice-laptop", "shop")]
    assert team_server.rows("SELECT COUNT(*) FROM observations") == [(2,)]
    pushes = [r for r in team_server.requests if r.body]
    assert {r.headers["content-encoding"] for r in pushes} == {"gzip"}
    sent = json.loads(gzip.decompress(pushes[-1].body))
    assert (sent["version"], sent["machine"]) == (1, "alice-laptop")
    assert sent["events"][0]["dedup_key"] == "msg_1:req_1"  # oldest first
    assert len(pushes[-1].body) < len(json.dumps(sent)) / 3

    status = member.team_member.status()
    assert status.last_push_ms and not status.error
    assert (status.pushed_events, status.pushed_observations) == (5, 2)
    assert push(member).batches == 0  # nothing new: nothing sent
    assert team_server.event_count() == 5


def test_a_lost_answer_is_retried_after_retry_after_and_counted_once(
    member: App, team_server: TeamFake
) -> None:
    join(member, team_server)
    member.store.write(events(4), readings(1))
    # The server stores the batch, then its answer is lost (a 503 from the proxy in front).
    team_server.after_store = Reply(503, "upstream gone", {"Retry-After": "7"})
    naps = Naps()
    result = push(member, sleep=naps)
    assert result.ok and result.events == 4
    assert naps.waits == [7.0]
    assert len(team_server.bodies) == 2  # the same rows, twice
    assert team_server.event_count() == 4
    assert team_server.rows("SELECT COUNT(*) FROM observations") == [(1,)]
    assert backlog(member) == (0, 0)


def test_retries_give_up_and_keep_the_queue_then_the_next_push_resumes(
    member: App, team_server: TeamFake
) -> None:
    join(member, team_server)
    member.store.write(events(3))
    team_server.script(*[html_error(502)] * 4)
    naps = Naps()
    result = push(member, sleep=naps)
    assert not result.ok and result.status == 502 and not result.stopped
    assert naps.waits == [1.0, 2.0, 4.0]  # backoff between four attempts
    assert backlog(member) == (3, 0)
    assert "502" in member.team_member.status().error
    assert push(member).events == 3
    assert member.team_member.status().error == ""


def test_copies_arriving_in_any_order_keep_the_most_complete(
    tmp_path: Any, member: App, team_server: TeamFake
) -> None:
    """Two machines read the same session: the fuller copy arrives first, the partial one
    later; the server keeps the fuller one and counts the turn once."""
    join(member, team_server)
    member.store.write(events(1, tokens=50))
    assert push(member).events == 1
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        from aiusage.store.push_queue import queue_history
        from aiusage.team_config import TeamSettings
        from aiusage.team_push import Pusher

        other.write(events(1, tokens=10))
        queue_history(other.db, 0)
        team = TeamSettings(team_server.base_url, "alice-desktop")
        assert asyncio.run(Pusher(other, team, TOKEN, sleep=Naps()).push()).events == 1
    finally:
        other.close()
    assert team_server.rows("SELECT COUNT(*), MAX(input_tokens) FROM usage_events") == [(1, 50)]


def test_a_row_replaced_while_on_the_wire_is_sent_again(member: App, team_server: TeamFake) -> None:
    join(member, team_server)
    member.store.write(events(2, tokens=10))
    url = member.store.url

    def fuller_copy_arrives(body: dict[str, Any]) -> None:
        team_server.on_push = None
        writer = open_store(url)  # another process's collector, as it were
        writer.write(events(1, tokens=99))  # the streamed turn's final line
        writer.close()

    team_server.on_push = fuller_copy_arrives
    result = push(member)
    assert result.events == 3 and result.batches == 2
    assert team_server.rows(
        "SELECT input_tokens FROM usage_events WHERE dedup_key = 'msg_1:req_1'"
    ) == [(99,)]
    assert team_server.event_count() == 2
    assert backlog(member) == (0, 0)


def test_offline_for_days_then_the_backlog_drains_in_batches(
    member: App, team_server: TeamFake
) -> None:
    join(member, team_server)
    port = int(team_server.base_url.rsplit(":", 1)[1])
    team_server.stop()
    for day in range(5):  # five days of work while the server is unreachable
        member.store.write(events(40, start=1 + 40 * day), readings(1) if day == 0 else [])
        result = push(member)
        assert not result.ok and "could not reach" in result.error
    assert backlog(member) == (200, 1)
    assert member.team_member.status().error.startswith("could not reach the team server")

    team_server.start(port)
    result = push(member, max_events=64)
    assert (result.ok, result.events, result.observations, result.batches) == (True, 200, 1, 4)
    assert team_server.event_count() == 200
    dedup = team_server.rows("SELECT COUNT(DISTINCT dedup_key) FROM usage_events")
    assert dedup == [(200,)]
    sent_order = [e["dedup_key"] for b in team_server.bodies for e in b["events"]]
    assert sent_order == [f"msg_{i}:req_{i}" for i in range(1, 201)]  # oldest first
    assert backlog(member) == (0, 0)


def test_a_refused_token_stops_the_push_and_says_how_to_fix_it(
    member: App, team_server: TeamFake
) -> None:
    join(member, team_server)
    member.store.write(events(2))
    team_server.tokens.clear()  # the admin revoked it
    result = push(member)
    assert result.stopped and result.status == 401
    assert "refused the token" in result.error
    assert f"aiusage team join {team_server.base_url}" in result.hint
    assert len(team_server.requests) == 1  # no retry: it cannot help
    assert TOKEN not in result.error + result.hint
    assert backlog(member) == (2, 0)
    status = member.team_member.status()
    assert "refused the token" in status.error and "team join" in status.error_hint


def test_a_viewer_token_is_told_apart(member: App, team_server: TeamFake) -> None:
    join(member, team_server)
    member.store.write(events(1))
    team_server.script(Reply(403, {"detail": "a viewer cannot push"}))
    result = push(member)
    assert result.stopped and "viewer" in result.error and "member's token" in result.hint


def test_a_batch_too_large_is_halved_until_it_fits(member: App, team_server: TeamFake) -> None:
    join(member, team_server)
    member.store.write(events(160))
    team_server.max_rows = 30
    result = push(member, max_events=100)
    assert (result.ok, result.events) == (True, 160)
    sizes = [len(b["events"]) for b in team_server.bodies]
    # halved until it fits, the rest of that batch alike, then read at the size that fits
    assert sizes == [100, 50, 25, 25, 25, 25, 25, 25, 10]
    assert team_server.event_count() == 160


def test_a_malformed_row_is_dropped_and_the_rest_arrive(member: App, team_server: TeamFake) -> None:
    join(member, team_server)
    bad = event_row(UsageEvent(ts_ms=-5, source="claude-code", dedup_key="bad"), None)
    member.store.write([*events(2), bad, *events(2, start=3)])
    result = push(member)
    assert (result.ok, result.events, result.dropped) == (True, 4, 1)
    assert team_server.event_count() == 4
    assert backlog(member) == (0, 0)
    assert member.team_member.status().dropped == 1


def test_a_page_answering_200_does_not_empty_the_queue(member: App, team_server: TeamFake) -> None:
    join(member, team_server)
    member.store.write(events(2))
    team_server.script(Reply(200, "<html>Sign in to the Wi-Fi</html>"))
    result = push(member)
    assert not result.ok and "not as a team server does (text/plain)" in result.error
    assert backlog(member) == (2, 0)


def test_project_names_stay_home_when_not_shared(member: App, team_server: TeamFake) -> None:
    join(member, team_server, share_projects=False)
    provider_row = event_row(
        UsageEvent(
            ts_ms=1_764_000_000_000,
            source="openai",
            dedup_key="openai:costs:1764000000:proj_secret-shop:web",
            project="proj_secret-shop",
            account="openai-work",
        ),
        None,
    )
    member.store.write([*events(3, project="secret-shop"), provider_row])
    assert push(member).events == 4
    wire = b"".join(gzip.decompress(r.body) for r in team_server.requests if r.body)
    assert b"secret-shop" not in wire
    assert team_server.rows("SELECT COUNT(*) FROM usage_events WHERE project = ''") == [(4,)]
    # Sharing switched on and the history sent again: the same keys, each counted once.
    member.team_member.join(team_server.base_url, TOKEN, share_projects=True)
    assert push(member).events == 4
    assert team_server.event_count() == 4
