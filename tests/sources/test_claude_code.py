"""The Claude Code reader on real transcript files: keys, traps, tolerance, paths, roots."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiusage.ingest import Pricer, scan
from aiusage.records import UsageEvent
from aiusage.sources.logs.claude_code import ClaudeCodeSource
from aiusage.store import Store
from logs_factory import (
    ABSENT,
    OPUS,
    SONNET,
    claude_file,
    claude_line,
    claude_summary_line,
    claude_synthetic_error,
    claude_user_line,
    ms,
    read_file,
    totals,
    visible_events,
    write_lines,
)


def _events(root: Path, lines: list[str], session: str = "sess-1") -> list[UsageEvent]:
    path = claude_file(root, "-home-dev-work-infra-01", session, lines)
    events: list[UsageEvent] = read_file(ClaudeCodeSource([root]), path).events
    return events


def _one(root: Path, line: str) -> UsageEvent:
    events = _events(root, [line])
    assert len(events) == 1, events
    return events[0]


# -- dedup keys ---------------------------------------------------------------------------


def test_key_is_message_id_and_request_id(tmp_path: Path) -> None:
    event = _one(tmp_path, claude_line(msg_id="msg_A", req_id="req_A"))
    assert event.dedup_key == "msg_A:req_A"
    assert event.group_key == "msg_A"


@pytest.mark.parametrize("req_id", [ABSENT, None, ""], ids=["absent", "null", "empty"])
def test_key_is_message_id_alone_without_request_id(tmp_path: Path, req_id: object) -> None:
    event = _one(tmp_path, claude_line(msg_id="msg_B", req_id=req_id))  # type: ignore[arg-type]
    assert event.dedup_key == "msg_B"


def test_lines_without_id_get_a_content_hash_key(tmp_path: Path) -> None:
    a = claude_line(msg_id=ABSENT, req_id=ABSENT, output_tokens=10)
    same = claude_line(msg_id=ABSENT, req_id=ABSENT, output_tokens=10)
    other = claude_line(msg_id=ABSENT, req_id=ABSENT, output_tokens=11)
    later = claude_line(msg_id=ABSENT, req_id=ABSENT, output_tokens=10, ts="2026-11-07T10:30:00Z")
    events = _events(tmp_path, [a, same, other, later])
    keys = {e.dedup_key for e in events}
    assert all(k.startswith("h:") for k in keys)
    # an identical copy collapses (resumed sessions); different usage or time does not
    assert len(keys) == 3
    assert sorted(e.output_tokens for e in events) == [10, 10, 11]


def test_same_message_under_two_request_ids_is_two_events(tmp_path: Path) -> None:
    events = _events(
        tmp_path,
        [claude_line(msg_id="msg_C", req_id="req_1"), claude_line(msg_id="msg_C", req_id="req_2")],
    )
    assert sorted(e.dedup_key for e in events) == ["msg_C:req_1", "msg_C:req_2"]


# -- streamed responses -------------------------------------------------------------------


def _streamed(ts: str = "2026-11-07T09:59:33Z") -> list[str]:
    """One response as 3 content-block lines; early lines carry a partial output count."""
    return [
        claude_line(msg_id="msg_S", req_id="req_S", output_tokens=1, ts=ts),
        claude_line(msg_id="msg_S", req_id="req_S", output_tokens=9, ts=ts),
        claude_line(msg_id="msg_S", req_id="req_S", output_tokens=431, ts=ts),
    ]


def test_streamed_response_read_from_one_file_is_its_most_complete_copy(tmp_path: Path) -> None:
    events = _events(tmp_path, _streamed())
    assert [e.output_tokens for e in events] == [431]


@pytest.mark.parametrize("order", ["as-written", "reversed"])
def test_store_keeps_the_copy_with_most_tokens(tmp_path: Path, store: Store, order: str) -> None:
    """Each copy in its own file and its own scan: the store's upsert picks the largest."""
    root = tmp_path / "claude"
    lines = _streamed()
    if order == "reversed":
        lines.reverse()
    source = ClaudeCodeSource([root])
    pricer = Pricer(store, {})
    for i, line in enumerate(lines):
        claude_file(root, "proj", f"copy-{i}", [line])
        scan(store, [source], pricer, workers=1)
    assert totals(store)["output_tokens"] == 431
    assert totals(store)["events"] == 1


# -- tolerance ----------------------------------------------------------------------------


def test_whitespace_json_is_counted(tmp_path: Path) -> None:
    line = claude_line(spaced=True, input_tokens=7, output_tokens=70)
    assert '"usage": {' in line
    event = _one(tmp_path, line)
    assert (event.input_tokens, event.output_tokens) == (7, 70)


def test_nulls_are_tolerated(tmp_path: Path) -> None:
    line = claude_line(
        msg_id="msg_N",
        req_id=None,
        cost_usd=None,
        cache_creation_obj=None,
        cache_creation=300,
        cache_read=None,
        input_tokens=5,
        output_tokens=50,
    )
    event = _one(tmp_path, line)
    assert event.dedup_key == "msg_N"
    assert event.reported_cost_usd is None
    assert (event.input_tokens, event.output_tokens, event.cache_read_tokens) == (5, 50, 0)
    # with cache_creation null every cache write counts as 5-minute
    assert (event.cache_write_5m_tokens, event.cache_write_1h_tokens) == (300, 0)


def test_malformed_lines_are_counted_and_not_fatal(tmp_path: Path) -> None:
    good_1 = claude_line(msg_id="msg_1", req_id="r1", output_tokens=11)
    good_2 = claude_line(msg_id="msg_2", req_id="r2", output_tokens=22)
    lines = [
        good_1,
        "garbage ### not json",
        '{"type":"assistant","message":{"id":"msg_01',  # truncated, no usage marker
        good_1[: len(good_1) // 2 + 40],  # truncated inside a usage line
        "\x1b[31mERROR\x1b[0m write failed",
        "}{",
        good_2,
    ]
    result = read_file(ClaudeCodeSource([tmp_path]), claude_file(tmp_path, "p", "s", lines))
    assert sorted(e.output_tokens for e in result.events) == [11, 22]
    assert result.malformed == 5


def test_invalid_utf8_line_is_malformed(tmp_path: Path) -> None:
    path = claude_file(tmp_path, "p", "s", [claude_line(msg_id="msg_1")])
    with open(path, "ab") as fh:
        fh.write(b'{"message":{"usage":{"input_tokens":\xff\xfe}}}\n')
    result = read_file(ClaudeCodeSource([tmp_path]), path)
    assert len(result.events) == 1
    assert result.malformed == 1


def test_blank_lines_are_not_counted(tmp_path: Path) -> None:
    lines = ["", claude_line(msg_id="msg_1"), "   ", "\t", " \t  ", claude_line(msg_id="msg_2")]
    result = read_file(ClaudeCodeSource([tmp_path]), claude_file(tmp_path, "p", "s", lines))
    assert len(result.events) == 2
    assert result.malformed == 0


def test_lines_without_usage_are_neither_events_nor_malformed(tmp_path: Path) -> None:
    lines = [claude_summary_line(), claude_user_line(), claude_line(msg_id="msg_1")]
    result = read_file(ClaudeCodeSource([tmp_path]), claude_file(tmp_path, "p", "s", lines))
    assert len(result.events) == 1
    assert result.malformed == 0


def test_usage_outside_the_message_is_not_an_event(tmp_path: Path) -> None:
    """A user line whose tool result mentions a usage object is not an API response."""
    tool_result = (
        '{"type":"user","sessionId":"sess-1","timestamp":"2026-11-07T09:59:40.000Z",'
        '"message":{"role":"user","content":[{"type":"tool_result","content":"ok"}]},'
        '"toolUseResult":{"usage":{"input_tokens":5000,"output_tokens":900}}}'
    )
    lines = [tool_result, claude_line(msg_id="msg_1", output_tokens=5)]
    result = read_file(ClaudeCodeSource([tmp_path]), claude_file(tmp_path, "p", "s", lines))
    assert [e.output_tokens for e in result.events] == [5]
    assert result.malformed == 0


def test_unreadable_timestamp_is_malformed(tmp_path: Path) -> None:
    bad = claude_line(msg_id="msg_1").replace("2026-11-07T09:59:33.000Z", "yesterday-ish")
    lines = [bad, claude_line(msg_id="msg_2")]
    result = read_file(ClaudeCodeSource([tmp_path]), claude_file(tmp_path, "p", "s", lines))
    assert [e.dedup_key for e in result.events] == ["msg_2:req_01"]
    assert result.malformed == 1


def test_synthetic_zero_usage_lines_are_ignored(tmp_path: Path) -> None:
    lines = [claude_synthetic_error(), claude_line(msg_id="msg_1", output_tokens=5)]
    result = read_file(ClaudeCodeSource([tmp_path]), claude_file(tmp_path, "p", "s", lines))
    assert [e.model for e in result.events] == [SONNET]
    assert result.malformed == 0


def test_truncated_last_line_is_provisional_not_consumed(tmp_path: Path) -> None:
    good = claude_line(msg_id="msg_1")
    path = claude_file(tmp_path, "p", "s", [good])
    with open(path, "ab") as fh:
        fh.write(claude_line(msg_id="msg_2")[:80].encode())  # crash mid-write: no newline
    result = read_file(ClaudeCodeSource([tmp_path]), path)
    assert [e.dedup_key for e in result.events] == ["msg_1:req_01"]
    assert result.offset == len(good) + 1
    assert result.malformed == 0
    assert result.tail_malformed == 1


# -- cache writes -------------------------------------------------------------------------


def test_cache_creation_split_by_ttl(tmp_path: Path) -> None:
    line = claude_line(cache_creation=900, ephemeral_5m=300, ephemeral_1h=600)
    event = _one(tmp_path, line)
    assert (event.cache_write_5m_tokens, event.cache_write_1h_tokens) == (300, 600)
    assert event.cache_creation_tokens == 900


def test_cache_creation_all_1h(tmp_path: Path) -> None:
    event = _one(tmp_path, claude_line(cache_creation=4303, ephemeral_5m=0, ephemeral_1h=4303))
    assert (event.cache_write_5m_tokens, event.cache_write_1h_tokens) == (0, 4303)


def test_only_cache_creation_input_tokens_counts_as_5m(tmp_path: Path) -> None:
    event = _one(tmp_path, claude_line(cache_creation=4303))
    assert (event.cache_write_5m_tokens, event.cache_write_1h_tokens) == (4303, 0)


def test_event_fields(tmp_path: Path) -> None:
    line = claude_line(
        ts="2026-11-07T09:59:33.097Z",
        model=OPUS,
        input_tokens=3,
        output_tokens=131,
        cache_read=19119,
        cache_creation=4303,
        ephemeral_5m=4303,
        ephemeral_1h=0,
        session_id="a10e",
    )
    event = _one(tmp_path, line)
    assert event.ts_ms == ms("2026-11-07T09:59:33.097Z")
    assert event.source == "claude-code"
    assert event.provider == "anthropic"
    assert event.model == OPUS
    assert event.session == "a10e"
    assert event.total_tokens == 3 + 131 + 19119 + 4303
    assert event.reported_cost_usd is None
    assert event.sidechain is False


def test_cost_usd_is_the_reported_cost(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "claude"
    claude_file(root, "p", "s", [claude_line(msg_id="msg_$", cost_usd=0.0421)])
    event = read_file(ClaudeCodeSource([root]), root / "projects" / "p" / "s.jsonl").events[0]
    assert event.reported_cost_usd == pytest.approx(0.0421)
    scan(store, [ClaudeCodeSource([root])], Pricer(store, {}), workers=1)
    [row] = visible_events(store)
    assert row["cost_reported_usd"] == pytest.approx(0.0421)


# -- project and session from the path ----------------------------------------------------


def test_project_and_session_from_path(tmp_path: Path) -> None:
    source = ClaudeCodeSource([tmp_path])
    main = tmp_path / "projects" / "-home-dev-work-api" / "5f0c.jsonl"
    sub = tmp_path / "projects" / "-home-dev-work-api" / "5f0c" / "subagents" / "agent-9a1.jsonl"
    assert (source.context(main).project, source.context(main).session) == (
        "-home-dev-work-api",
        "5f0c",
    )
    assert (source.context(sub).project, source.context(sub).session) == (
        "-home-dev-work-api",
        "5f0c",
    )


def test_subagent_events_carry_parent_session_and_project(tmp_path: Path) -> None:
    path = claude_file(
        tmp_path,
        "-home-dev-work-api",
        "5f0c",
        [claude_line(msg_id="msg_sub", session_id=ABSENT, sidechain=True)],
        subagent="9a1",
    )
    [event] = read_file(ClaudeCodeSource([tmp_path]), path).events
    assert (event.project, event.session, event.sidechain) == ("-home-dev-work-api", "5f0c", True)


def test_session_id_in_line_wins_over_file_name(tmp_path: Path) -> None:
    path = claude_file(tmp_path, "p", "file-stem", [claude_line(session_id="from-line")])
    [event] = read_file(ClaudeCodeSource([tmp_path]), path).events
    assert event.session == "from-line"


def test_discover_finds_subagent_files_recursively(tmp_path: Path) -> None:
    main = claude_file(tmp_path, "p", "s1", [claude_line()])
    sub = claude_file(tmp_path, "p", "s1", [claude_line(msg_id="m2")], subagent="x")
    write_lines(tmp_path / "projects" / "p" / "notes.txt", ["not a log"])
    assert sorted(ClaudeCodeSource([tmp_path]).discover()) == sorted([main, sub])


# -- roots --------------------------------------------------------------------------------


def test_default_roots_are_xdg_config_and_dot_claude(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path.home()  # a temp dir: the autouse fixture points HOME there
    assert str(home).startswith(str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert ClaudeCodeSource().roots() == [
        home / ".config" / "claude" / "projects",
        home / ".claude" / "projects",
    ]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert ClaudeCodeSource().roots()[0] == tmp_path / "xdg" / "claude" / "projects"


def test_default_roots_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    home = Path.home()
    a = claude_file(home / ".config" / "claude", "p", "a", [claude_line(msg_id="ma")])
    b = claude_file(home / ".claude", "q", "b", [claude_line(msg_id="mb")])
    assert sorted(ClaudeCodeSource().discover()) == sorted([a, b])


def test_claude_config_dir_is_comma_separated_and_exclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path.home()
    claude_file(home / ".claude", "ignored", "s", [claude_line(msg_id="m0")])
    one = claude_file(tmp_path / "one", "p", "a", [claude_line(msg_id="m1")])
    two = claude_file(tmp_path / "two", "p", "b", [claude_line(msg_id="m2")])
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f" {tmp_path / 'one'} , {tmp_path / 'two'},")
    source = ClaudeCodeSource()
    assert source.roots() == [tmp_path / "one" / "projects", tmp_path / "two" / "projects"]
    assert sorted(source.discover()) == sorted([one, two])


def test_claude_config_dir_single_and_missing_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "nowhere"))
    source = ClaudeCodeSource()
    assert source.roots() == [tmp_path / "nowhere" / "projects"]
    assert list(source.discover()) == []


def test_same_root_given_twice_is_read_once(tmp_path: Path) -> None:
    path = claude_file(tmp_path, "p", "s", [claude_line()])
    assert list(ClaudeCodeSource([tmp_path, tmp_path]).discover()) == [path]


def test_explicit_roots_win_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "env"))
    assert ClaudeCodeSource([tmp_path / "x"]).roots() == [tmp_path / "x" / "projects"]
