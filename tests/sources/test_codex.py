"""The Codex CLI reader on real rollout files: turns, totals, models, forks, rate limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiusage.ingest import Pricer, scan
from aiusage.records import UsageEvent
from aiusage.sources.logs.codex import CodexSource
from aiusage.sources.logs.reading import ReadResult
from aiusage.store import Store
from aiusage.store.queries import observations_latest
from logs_factory import (
    codex_file,
    codex_meta,
    codex_rate_limits,
    codex_session,
    codex_token_count,
    codex_turn_context,
    ms,
    read_file,
    totals,
    visible_events,
)

T0 = "2026-11-03T01:00:48Z"


def _read(root: Path, lines: list[str], name: str = "a") -> ReadResult:
    return read_file(CodexSource(root), codex_file(root, name, lines))


def _tokens(e: UsageEvent) -> tuple[int, int, int, int]:
    return (e.input_tokens, e.cache_read_tokens, e.output_tokens, e.reasoning_tokens)


def test_last_token_usage_per_turn(tmp_path: Path) -> None:
    turns = [(16107, 10697, 1079, 27), (18000, 16000, 500, 100), (20000, 0, 30, 0)]
    result = _read(tmp_path, codex_session(T0, "sess-a", turns))
    events = sorted(result.events, key=lambda e: e.ts_ms)
    # stored input is uncached input; cached input becomes cache reads; output keeps reasoning
    assert [_tokens(e) for e in events] == [
        (16107 - 10697, 10697, 1079, 27),
        (2000, 16000, 500, 100),
        (20000, 0, 30, 0),
    ]
    assert all(e.cache_write_5m_tokens == e.cache_write_1h_tokens == 0 for e in events)
    assert [e.model for e in events] == ["gpt-5-codex"] * 3
    assert {e.session for e in events} == {"sess-a"}
    assert {e.project for e in events} == {"x"}  # basename of the cwd
    assert {e.provider for e in events} == {"openai"}
    assert result.malformed == 0


def test_cached_is_part_of_input(tmp_path: Path) -> None:
    result = _read(tmp_path, codex_session(T0, "s", [(1000, 1000, 10, 0), (1000, 400, 10, 0)]))
    events = sorted(result.events, key=lambda e: e.ts_ms)
    assert [(e.input_tokens, e.cache_read_tokens) for e in events] == [(0, 1000), (600, 400)]
    assert [e.total_tokens for e in events] == [1010, 1010]


def test_old_files_with_only_totals_use_differences(tmp_path: Path) -> None:
    lines = [
        codex_meta(T0, "old"),
        codex_turn_context(T0, "gpt-5-codex"),
        codex_token_count("2026-11-03T01:01:00Z", total=(1000, 200, 50, 10)),
        codex_token_count("2026-11-03T01:02:00Z", total=(2500, 1200, 80, 10)),
        codex_token_count("2026-11-03T01:03:00Z", total=(4000, 2000, 200, 60)),
    ]
    events = sorted(_read(tmp_path, lines).events, key=lambda e: e.ts_ms)
    assert [_tokens(e) for e in events] == [
        (800, 200, 50, 10),
        (500, 1000, 30, 0),
        (700, 800, 120, 50),
    ]


def test_repeated_identical_token_count_is_counted_once(tmp_path: Path) -> None:
    row = {"last": (5000, 4000, 100, 20), "total": (5000, 4000, 100, 20)}
    lines = [
        codex_meta(T0, "s"),
        codex_turn_context(T0, "gpt-5-codex"),
        codex_token_count("2026-11-03T01:01:00.000Z", **row),  # type: ignore[arg-type]
        codex_token_count("2026-11-03T01:01:00.031Z", **row),  # type: ignore[arg-type]
        codex_token_count(
            "2026-11-03T01:02:00Z", last=(6000, 5000, 10, 0), total=(11000, 9000, 110, 20)
        ),
        codex_token_count(
            "2026-11-03T01:02:00.020Z", last=(6000, 5000, 10, 0), total=(11000, 9000, 110, 20)
        ),
    ]
    events = _read(tmp_path, lines).events
    assert sorted(e.output_tokens for e in events) == [10, 100]


def test_repeated_rows_are_counted_once_across_scans(tmp_path: Path, store: Store) -> None:
    """The repeat arrives in a later scan: the state carried in the cursor still knows it."""
    first = codex_token_count(T0, last=(5000, 0, 100, 0), total=(5000, 0, 100, 0))
    path = codex_file(tmp_path, "a", [codex_meta(T0, "s"), first])
    source, pricer = CodexSource(tmp_path), Pricer(store, {})
    scan(store, [source], pricer, workers=1)
    with open(path, "a") as fh:
        repeat = codex_token_count(
            "2026-11-03T01:00:49Z", last=(5000, 0, 100, 0), total=(5000, 0, 100, 0)
        )
        fh.write(repeat + "\n")
    scan(store, [source], pricer, workers=1)
    assert totals(store)["events"] == 1
    assert totals(store)["output_tokens"] == 100


def test_model_comes_from_the_latest_turn_context(tmp_path: Path) -> None:
    lines = [
        codex_meta(T0, "s"),
        codex_turn_context(T0, "gpt-5-codex"),
        codex_token_count("2026-11-03T01:01:00Z", last=(100, 0, 10, 0), total=(100, 0, 10, 0)),
        codex_turn_context("2026-11-03T01:02:00Z", "gpt-5.1-codex-max"),
        codex_token_count("2026-11-03T01:03:00Z", last=(100, 0, 20, 0), total=(200, 0, 30, 0)),
        codex_turn_context("2026-11-03T01:04:00Z", None),  # no model: keep the last one
        codex_token_count("2026-11-03T01:05:00Z", last=(100, 0, 30, 0), total=(300, 0, 60, 0)),
    ]
    events = sorted(_read(tmp_path, lines).events, key=lambda e: e.ts_ms)
    assert [e.model for e in events] == ["gpt-5-codex", "gpt-5.1-codex-max", "gpt-5.1-codex-max"]
    assert all(not e.meta.get("model_assumed") for e in events)


def test_model_falls_back_to_gpt5(tmp_path: Path) -> None:
    events = _read(tmp_path, codex_session(T0, "s", [(100, 0, 10, 0)], model=None)).events
    assert [e.model for e in events] == ["gpt-5"]
    assert events[0].meta.get("model_assumed") is True


def test_session_from_meta_and_from_file_name(tmp_path: Path) -> None:
    with_meta = _read(tmp_path, codex_session(T0, "meta-id", [(100, 0, 10, 0)]), name="m")
    assert [e.session for e in with_meta.events] == ["meta-id"]
    no_meta = [codex_token_count(T0, last=(100, 0, 11, 0), total=(100, 0, 11, 0))]
    without = _read(tmp_path, no_meta, name="2026-11-03T01-00-48-uuid")
    assert [e.session for e in without.events] == ["rollout-2026-11-03T01-00-48-uuid"]


def test_rate_limits_become_observations(tmp_path: Path) -> None:
    at = "2026-11-03T01:05:20Z"
    lines = [
        codex_meta(T0, "s"),
        codex_token_count(
            at,
            last=(100, 0, 10, 0),
            total=(100, 0, 10, 0),
            rate_limits=codex_rate_limits(
                17.6, 53.8, primary_resets_at=1_793_676_648, secondary_resets_at=1_793_967_648
            ),
        ),
    ]
    result = _read(tmp_path, lines)
    obs = {o.window: o for o in result.observations}
    assert set(obs) == {"5h", "7d"}
    p, s = obs["5h"], obs["7d"]
    assert (p.value, s.value) == (17.6, 53.8)
    assert (p.resets_at_ms, s.resets_at_ms) == (1_793_676_648_000, 1_793_967_648_000)
    assert (p.meta["window_minutes"], s.meta["window_minutes"]) == (300, 10080)
    assert {o.ts_ms for o in result.observations} == {ms(at)}
    assert {(o.account, o.metric, o.unit, o.limit, o.kind) for o in result.observations} == {
        ("codex", "window_used_percent", "%", 100.0, "official")
    }


def test_older_resets_in_seconds_is_relative_to_the_event(tmp_path: Path) -> None:
    at = "2026-11-03T01:05:20Z"
    lines = [
        codex_token_count(at, info_null=True, rate_limits=codex_rate_limits(resets_in=(600, 86400)))
    ]
    obs = {o.window: o for o in _read(tmp_path, lines).observations}
    assert obs["5h"].resets_at_ms == ms(at) + 600_000
    assert obs["7d"].resets_at_ms == ms(at) + 86_400_000


def test_info_null_carries_rate_limits_only(tmp_path: Path) -> None:
    lines = [
        codex_meta(T0, "s"),
        codex_token_count(T0, info_null=True, rate_limits=codex_rate_limits()),
        codex_token_count("2026-11-03T01:00:50Z", info_null=True),
    ]
    result = _read(tmp_path, lines)
    assert result.events == []
    assert len(result.observations) == 2
    assert result.malformed == 0


def test_repeated_rate_limit_readings_are_stored_when_they_change(tmp_path: Path) -> None:
    """Codex repeats one reading on every token_count; only changes (and a reading every
    5 minutes while nothing changes) are kept."""
    same = codex_rate_limits(10.0, 20.0)
    lines = [
        codex_meta(T0, "s"),
        codex_token_count("2026-11-03T01:01:00Z", info_null=True, rate_limits=same),
        codex_token_count("2026-11-03T01:02:00Z", info_null=True, rate_limits=same),
        codex_token_count("2026-11-03T01:03:00Z", info_null=True, rate_limits=same),
        codex_token_count(
            "2026-11-03T01:04:00Z", info_null=True, rate_limits=codex_rate_limits(11.0, 20.0)
        ),
        codex_token_count("2026-11-03T01:06:30Z", info_null=True, rate_limits=same),
        codex_token_count("2026-11-03T01:07:00Z", info_null=True, rate_limits=same),
        codex_token_count("2026-11-03T01:11:00Z", info_null=True, rate_limits=same),
        codex_token_count("2026-11-03T01:12:00Z", info_null=True, rate_limits=same),
    ]
    kept = sorted((o.ts_ms, o.window, o.value) for o in _read(tmp_path, lines).observations)
    assert kept == [
        (ms("2026-11-03T01:01:00Z"), "5h", 10.0),
        (ms("2026-11-03T01:01:00Z"), "7d", 20.0),
        (ms("2026-11-03T01:04:00Z"), "5h", 11.0),  # secondary unchanged: skipped
        (ms("2026-11-03T01:06:30Z"), "5h", 10.0),
        (ms("2026-11-03T01:06:30Z"), "7d", 20.0),  # 5 min since its last reading
        (ms("2026-11-03T01:12:00Z"), "5h", 10.0),
        (ms("2026-11-03T01:12:00Z"), "7d", 20.0),
    ]


def test_a_forks_replayed_rate_limits_are_not_new_readings(tmp_path: Path) -> None:
    _, child = _fork_lines()
    child.insert(
        1,
        codex_token_count(
            "2026-11-03T02:00:00Z", info_null=True, rate_limits=codex_rate_limits(99.0, 99.0)
        ),
    )
    child.append(
        codex_token_count(
            "2026-11-03T02:03:00Z", info_null=True, rate_limits=codex_rate_limits(30.0, 40.0)
        )
    )
    obs = _read(tmp_path, child, name="c").observations
    assert sorted((o.ts_ms, o.value) for o in obs) == [
        (ms("2026-11-03T02:03:00Z"), 30.0),
        (ms("2026-11-03T02:03:00Z"), 40.0),
    ]


def test_malformed_rows_are_counted_not_fatal(tmp_path: Path) -> None:
    good = codex_token_count(T0, last=(100, 0, 10, 0), total=(100, 0, 10, 0))
    lines = [
        codex_meta(T0, "s"),
        good[:60],  # truncated mid-line
        '{"timestamp":"x","type":"event_msg","payload":{"type":"token_count","info":{',
        "not json at all",
        good,
    ]
    result = _read(tmp_path, lines)
    assert len(result.events) == 1
    assert result.malformed == 3


def _fork_lines() -> tuple[list[str], list[str]]:
    """A parent with 3 turns, and a fork created later that replays them, then adds 2."""
    parent = codex_session("2026-11-03T01:00:00Z", "parent", [(1000, 0, 10, 1)] * 3)
    created = "2026-11-03T02:00:00Z"
    replay = [line for line in parent if '"token_count"' in line]
    replay = [line.replace(line[14:38], "2026-11-03T02:00:00.000Z", 1) for line in replay]
    child = [
        codex_meta(created, "child", forked_from="parent"),
        *replay,
        codex_turn_context("2026-11-03T02:00:10Z", "gpt-5.2-codex"),
        codex_token_count("2026-11-03T02:01:00Z", last=(500, 100, 5, 0), total=(3500, 100, 35, 3)),
        codex_token_count("2026-11-03T02:02:00Z", last=(700, 300, 7, 2), total=(4200, 400, 42, 5)),
    ]
    return parent, child


def test_fork_replay_yields_only_the_childs_own_turns(tmp_path: Path) -> None:
    parent, child = _fork_lines()
    assert all('"timestamp":"2026-11-03T02:00:00.000Z"' in line for line in child[1:4])
    p = _read(tmp_path, parent, name="p").events
    c = _read(tmp_path, child, name="c").events
    assert len(p) == 3
    # The replayed rows are the parent's usage; only the 2 turns after the child's first
    # turn_context are the child's, computed on top of the replayed totals.
    assert [(e.session, e.output_tokens) for e in c] == [("child", 5), ("child", 7)]
    assert not {e.dedup_key for e in p} & {e.dedup_key for e in c}


@pytest.mark.parametrize("order", ["one-scan", "parent-first", "child-first"])
def test_forked_session_is_not_double_counted(tmp_path: Path, store: Store, order: str) -> None:
    parent, child = _fork_lines()
    source, pricer = CodexSource(tmp_path), Pricer(store, {})
    if order == "one-scan":
        codex_file(tmp_path, "p", parent)
        codex_file(tmp_path, "c", child)
        scan(store, [source], pricer, workers=1)
    else:
        first, second = (parent, child) if order == "parent-first" else (child, parent)
        codex_file(tmp_path, "1", first)
        scan(store, [source], pricer, workers=1)
        codex_file(tmp_path, "2", second)
        scan(store, [source], pricer, workers=1)
    t = totals(store)
    assert t["events"] == 5
    assert t["output_tokens"] == 3 * 10 + 5 + 7
    assert t["input_tokens"] == 3 * 1000 + 400 + 400
    assert t["cache_read_tokens"] == 100 + 300
    assert t["reasoning_tokens"] == 3 * 1 + 2
    # the parent's turns stay the parent's, at their own times
    by_session: dict[str, int] = {}
    for row in visible_events(store):
        by_session[row["session"]] = by_session.get(row["session"], 0) + 1
    assert by_session == {"parent": 3, "child": 2}
    assert max(r["ts_ms"] for r in visible_events(store) if r["session"] == "parent") < ms(
        "2026-11-03T02:00:00Z"
    )


def test_observations_reach_the_store(tmp_path: Path, store: Store) -> None:
    codex_file(
        tmp_path,
        "a",
        [
            codex_token_count(T0, info_null=True, rate_limits=codex_rate_limits(10.0, 20.0)),
            codex_token_count(
                "2026-11-03T01:10:00Z", info_null=True, rate_limits=codex_rate_limits(12.5, 21.0)
            ),
        ],
    )
    report = scan(store, [CodexSource(tmp_path)], Pricer(store, {}), workers=1)
    assert report.observations_written == 4
    latest = {r[2]: r for r in observations_latest(store.db)}
    assert latest["5h"][3] == 12.5
    assert latest["7d"][3] == 21.0
    assert latest["5h"][6] == 1_793_676_648_000


def test_roots_default_and_codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path.home()
    assert CodexSource().roots() == [
        home / ".codex" / "sessions",
        home / ".codex" / "archived_sessions",
    ]
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "cx"))
    assert CodexSource().roots() == [
        tmp_path / "cx" / "sessions",
        tmp_path / "cx" / "archived_sessions",
    ]
    archived = tmp_path / "cx" / "archived_sessions" / "rollout-z.jsonl"
    archived.parent.mkdir(parents=True)
    archived.write_text(codex_meta(T0, "z") + "\n")
    live = codex_file(tmp_path / "cx", "y", [codex_meta(T0, "y")])
    assert sorted(CodexSource().discover()) == sorted([archived, live])


def test_unrelated_sessions_with_equal_first_turns_are_both_counted(
    tmp_path: Path, store: Store
) -> None:
    """Two separate runs of the same scripted prompt (`codex exec` in CI, say) can report
    identical usage for their first turn. Neither is a fork: both turns happened."""
    turn = (12000, 0, 400, 64)
    codex_file(tmp_path, "a", codex_session("2026-11-03T01:00:00Z", "run-a", [turn]))
    codex_file(
        tmp_path, "b", codex_session("2026-11-04T09:00:00Z", "run-b", [turn]), day="2026/11/04"
    )
    scan(store, [CodexSource(tmp_path)], Pricer(store, {}), workers=1)
    t = totals(store)
    assert (t["events"], t["output_tokens"]) == (2, 800)
