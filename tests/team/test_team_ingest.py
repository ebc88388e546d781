"""Pushes stored on the team server: idempotent under retries, overlaps and reordering,
attributed to the token's member, and team_daily always equal to a direct sum."""

from __future__ import annotations

import random

import pytest
from teamtools import (
    DAY_MS,
    HOUR_MS,
    Team,
    assert_sums,
    batch,
    body,
    daily_rows,
    event,
    now_ms,
    reading,
)

from aiusage.app import App, Period, ReportOptions
from aiusage.errors import TeamError


def _push(app: App, team: Team, name: str, data: dict[str, object]) -> dict[str, int]:
    return app.team.ingest(app.team.authenticate(team.tokens[name]), body(data))


def _events(app: App) -> list[tuple[object, ...]]:
    rows = app.store.db.query(
        "SELECT source, dedup_key, user_name, machine, total_tokens, ts_ms, hidden "
        "FROM usage_events ORDER BY source, dedup_key"
    )
    app.store.db.commit()
    return rows


def test_a_batch_sent_twice_counts_once(server_app: App, team: Team) -> None:
    now = now_ms()
    data = batch(
        [event(f"m{i}", now - i * HOUR_MS) for i in range(30)],
        [reading(now - i * 60_000, float(i)) for i in range(5)],
    )
    assert _push(server_app, team, "alice", data) == {"events": 30, "observations": 5}
    first = (_events(server_app), daily_rows(server_app.store.db))
    assert _push(server_app, team, "alice", data) == {"events": 30, "observations": 5}
    assert (_events(server_app), daily_rows(server_app.store.db)) == first
    assert len(first[0]) == 30
    assert {(r[2], r[3]) for r in first[0]} == {("alice", "laptop")}
    readings = server_app.store.db.scalar("SELECT COUNT(*) FROM observations")
    assert readings == 5
    assert_sums(server_app.store.db)


def test_overlapping_and_reordered_batches_keep_the_most_complete_copy(
    server_app: App, team: Team
) -> None:
    now = now_ms() - 3 * DAY_MS
    streamed = [  # a streamed response's copies: the last has the final counts
        event("msg_1:req_1", now, output_tokens=out) for out in (10, 200, 900)
    ]
    others = [event(f"k{i}", now - i * DAY_MS) for i in range(1, 8)]
    rows = [*streamed, *others]
    random.Random(7).shuffle(rows)
    _push(server_app, team, "alice", batch(rows[:6]))
    _push(server_app, team, "alice", batch(rows[3:]))  # overlaps the first
    _push(server_app, team, "alice", batch(list(reversed(rows))))  # a retry, reordered
    stored = {r[1]: r for r in _events(server_app)}
    assert len(stored) == 8
    assert stored["msg_1:req_1"][4] == 100 + 900
    assert_sums(server_app.store.db)
    cost = server_app.store.db.scalar("SELECT SUM(cost_usd) FROM team_daily")
    assert cost == pytest.approx(8 * 0.25)


def test_an_earlier_copy_moves_the_event_to_its_day(server_app: App, team: Team) -> None:
    """A fork replays its parent later: the earlier equally complete copy wins, and both
    local days are summed again."""
    now = now_ms()
    _push(server_app, team, "alice", batch([event("fork", now)]))
    _push(server_app, team, "alice", batch([event("fork", now - 2 * DAY_MS)]))
    assert _events(server_app)[0][5] == now - 2 * DAY_MS
    assert_sums(server_app.store.db)
    assert len(daily_rows(server_app.store.db)) == 1


def test_sidechain_replays_are_hidden_as_in_the_members_store(server_app: App, team: Team) -> None:
    now = now_ms()
    replay = event("side", now, sidechain=1, group_key="msg_9")
    _push(server_app, team, "alice", batch([replay]))
    assert daily_rows(server_app.store.db)[0][11] == 1  # counted until its parent comes
    _push(server_app, team, "alice", batch([event("parent", now - 1000, group_key="msg_9")]))
    hidden = {r[1]: r[6] for r in _events(server_app)}
    assert hidden == {"side": 1, "parent": 0}
    assert_sums(server_app.store.db)
    assert [r[11] for r in daily_rows(server_app.store.db)] == [1]


def test_a_member_cannot_replace_another_members_event(server_app: App, team: Team) -> None:
    now = now_ms()
    _push(server_app, team, "alice", batch([event("shared", now)]))
    bigger = event("shared", now, output_tokens=10_000, project="stolen")
    _push(server_app, team, "bob", batch([bigger]))
    row = _events(server_app)[0]
    assert (row[2], row[4]) == ("alice", 150)
    assert_sums(server_app.store.db)


def test_pushed_records_reach_the_servers_own_reports(server_app: App, team: Team) -> None:
    now = now_ms()
    _push(server_app, team, "alice", batch([event("a", now - HOUR_MS)]))
    _push(server_app, team, "bob", batch([event("b", now - HOUR_MS, source="codex")]))
    report = server_app.report(Period.DAILY, ReportOptions())
    assert report.totals.cost_usd == pytest.approx(0.5)


def test_a_bad_row_stores_nothing(server_app: App, team: Team) -> None:
    now = now_ms()
    rows = [event("good", now), event("bad", now, input_tokens=-1)]
    with pytest.raises(TeamError) as caught:
        _push(server_app, team, "alice", batch(rows))
    assert caught.value.status == 422
    assert caught.value.row == {"kind": "events", "index": 1}
    assert "input_tokens" in str(caught.value)
    assert _events(server_app) == []


def test_days_are_the_servers_local_days(
    server_app: App, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """team_daily follows the server's zone; a new zone re-sums everything once."""
    midnight = now_ms() // DAY_MS * DAY_MS - 5 * DAY_MS
    rows = [event(f"e{h}", midnight + h * HOUR_MS - 30 * 60_000) for h in range(0, 48, 5)]
    _push(server_app, team, "alice", batch(rows))
    assert_sums(server_app.store.db)
    server_app.use_timezone("Asia/Kolkata")  # UTC+5:30 all year
    server_app.team.refresh()
    assert_sums(server_app.store.db, 330 * 60_000)
    _push(server_app, team, "bob", batch([event("late", midnight + 20 * HOUR_MS)]))
    assert_sums(server_app.store.db, 330 * 60_000)


def test_events_before_the_prune_floor_are_dropped(server_app: App, team: Team) -> None:
    from aiusage.store.retention import FLOOR_META

    now = now_ms()
    server_app.store.set_meta(FLOOR_META, str(now - 10 * DAY_MS))
    result = _push(server_app, team, "alice", batch([event("old", now - 20 * DAY_MS)]))
    assert result == {"events": 1, "observations": 0}  # accepted: the client may drop it
    assert _events(server_app) == []


def test_members_readings_are_not_the_servers_own(server_app: App, team: Team) -> None:
    """A member's 97% window is theirs: the server's own limits and alerts ignore it."""
    full = reading(now_ms() - 60_000, 97.0, kind="official", resets_at_ms=now_ms() + HOUR_MS)
    _push(server_app, team, "alice", batch([], [full]))
    assert server_app.store.db.scalar("SELECT COUNT(*) FROM observations") == 1
    server_app.store.db.commit()
    assert server_app.alerts.window_readings() == []
    assert not [c for c in server_app.alerts.conditions() if c.active]


def test_members_events_make_no_block_of_the_servers(server_app: App, team: Team) -> None:
    """A member's Claude Code turns count in the team's reports, not in the server
    owner's 5-hour blocks or estimated limits (their subscription is not the owner's)."""
    from aiusage.records import UsageEvent
    from aiusage.store.store import event_row

    now = now_ms()
    _push(server_app, team, "alice", batch([event("a", now - HOUR_MS)]))
    assert server_app.blocks(ReportOptions()) == []
    assert server_app.recent_blocks(["claude-code"], now) == []
    own = UsageEvent(
        source="claude-code", dedup_key="mine", ts_ms=now - 30 * 60_000, model="m", input_tokens=5
    )
    server_app.store.write([event_row(own, None)])
    (block,) = [b for b in server_app.recent_blocks(["claude-code"], now) if not b.is_gap]
    assert block.totals.total_tokens == 5
