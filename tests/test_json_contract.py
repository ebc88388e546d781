"""The CLI's JSON contract, through Typer's runner over real log files and a real store.

Field names, nesting and arithmetic of every report; local-day grouping in the chosen time
zone (half-hour offsets, both DST changes); filters, ordering, cost modes; unpriced models;
and the first-run message when there are no logs at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from aiusage.cli import app
from logs_factory import (
    OPUS,
    SONNET,
    claude_file,
    claude_line,
    codex_file,
    codex_session,
    iso,
)

TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
)
SUMMED = (*TOKEN_FIELDS, "total_tokens", "requests", "unpriced_requests")
ROW_FIELDS = {"date", *TOKEN_FIELDS, "total_tokens", "cost_usd", "models"}

# USD per million tokens: round numbers so expected costs are exact
PRICES = """
[pricing.models."claude-sonnet-4-5-20250929"]
input = 3.0
output = 15.0
cache_read = 0.3
cache_write_5m = 3.75
cache_write_1h = 6.0

[pricing.models."gpt-5-codex"]
input = 1.0
output = 10.0
cache_read = 0.1
"""


def usd(value: float, terms: int = 1) -> Any:
    """A cost as the JSON gives it: rounded to the micro-dollar (each of ``terms`` sums)."""
    return pytest.approx(value, abs=1e-6 * terms)


def sonnet_cost(inp: int, out: int, read: int, w5m: int, w1h: int = 0) -> float:
    return (inp * 3.0 + out * 15.0 + read * 0.3 + w5m * 3.75 + w1h * 6.0) / 1e6


Run = Callable[..., Result]


@pytest.fixture
def roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> tuple[Path, Path]:
    claude, codex = tmp_path / "claude", tmp_path / "codex"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    monkeypatch.setenv("CODEX_HOME", str(codex))
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(PRICES)
    return claude, codex


@pytest.fixture
def run() -> Run:
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(app, list(args))
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    return invoke


def report(run: Run, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run(*args, "--json").stdout)
    return data


def _line(n: int, ts: str, **kw: Any) -> str:
    kw.setdefault("output_tokens", 100)
    return claude_line(msg_id=f"msg_{n}", req_id=f"req_{n}", ts=ts, **kw)


@pytest.fixture
def usage(roots: tuple[Path, Path]) -> tuple[Path, Path]:
    """Two Claude projects over two weeks (two models), and one Codex session."""
    claude, codex = roots
    claude_file(
        claude,
        "-home-dev-work-api",
        "sA",
        [
            _line(1, "2026-03-02T10:00:00Z", session_id="sA"),  # Monday
            _line(2, "2026-03-02T10:20:00Z", session_id="sA", ephemeral_5m=50, ephemeral_1h=150),
            _line(3, "2026-03-08T12:00:00Z", session_id="sA"),  # Sunday
        ],
    )
    claude_file(
        claude,
        "-home-dev-work-web",
        "sB",
        [
            _line(4, "2026-03-09T09:00:00Z", session_id="sB", model=OPUS),  # Monday
            _line(5, "2026-03-09T09:05:00Z", session_id="sB"),
        ],
    )
    codex_file(
        codex,
        "c1",
        codex_session("2026-03-03T08:00:00Z", "c1", [(5000, 4000, 300, 120), (6000, 5500, 80, 0)]),
        day="2026/03/03",
    )
    return roots


def _sum(rows: list[dict[str, Any]], field: str) -> Any:
    return sum(r[field] for r in rows)


# -- shapes and arithmetic ----------------------------------------------------------------


def test_daily_shape_and_sums(run: Run, usage: object) -> None:
    data = report(run, "daily", "--tz", "UTC")
    assert set(data) >= {"days", "totals", "unpriced_models"}
    days = data["days"]
    assert [d["date"] for d in days] == ["2026-03-02", "2026-03-03", "2026-03-08", "2026-03-09"]
    for d in days:
        assert set(d) >= ROW_FIELDS
        assert d["total_tokens"] == sum(
            d[f]
            for f in ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")
        )
        assert d["models"] == sorted(d["models"])
        assert d["cost_usd"] > 0
    assert days[0]["models"] == [SONNET]
    assert days[1]["models"] == ["gpt-5-codex"]
    assert days[3]["models"] == [OPUS, SONNET]
    totals = data["totals"]
    for f in SUMMED:
        assert totals[f] == _sum(days, f), f
    assert totals["cost_usd"] == usd(_sum(days, "cost_usd"), len(days) + 1)
    assert totals["requests"] == 7
    # Claude: 3 + 100 + 1000 + 200 per line; the second has a 50/150 split of 200 writes
    monday = days[0]
    assert (monday["input_tokens"], monday["output_tokens"]) == (6, 200)
    assert (monday["cache_read_tokens"], monday["cache_creation_tokens"]) == (2000, 400)
    assert monday["cost_usd"] == usd(
        sonnet_cost(3, 100, 1000, 200) + sonnet_cost(3, 100, 1000, 50, 150)
    )
    # Codex: stored input is uncached; output includes reasoning
    codex_day = days[1]
    assert (codex_day["input_tokens"], codex_day["cache_read_tokens"]) == (1000 + 500, 9500)
    assert (codex_day["output_tokens"], codex_day["reasoning_tokens"]) == (380, 120)
    assert codex_day["cost_usd"] == usd((1500 * 1.0 + 380 * 10.0 + 9500 * 0.1) / 1e6)


def test_breakdown_rows_sum_to_their_day(run: Run, usage: object) -> None:
    data = report(run, "daily", "--tz", "UTC", "--breakdown")
    for day in data["days"]:
        parts = day["breakdown"]
        assert [p["model"] for p in parts] == day["models"]
        for f in (*TOKEN_FIELDS, "total_tokens", "requests"):
            assert _sum(parts, f) == day[f], (day["date"], f)
        assert _sum(parts, "cost_usd") == usd(day["cost_usd"], len(parts) + 1)
        for p in parts:
            assert p["total_tokens"] == sum(
                p[f]
                for f in (
                    "input_tokens",
                    "output_tokens",
                    "cache_creation_tokens",
                    "cache_read_tokens",
                )
            )
    assert "breakdown" not in report(run, "daily", "--tz", "UTC")["days"][0]


@pytest.mark.parametrize(
    ("start", "weeks"),
    [
        ("monday", {"2026-03-02": 5, "2026-03-09": 2}),
        ("sunday", {"2026-03-01": 4, "2026-03-08": 3}),
    ],
)
def test_weekly_respects_start_of_week(
    run: Run, usage: object, start: str, weeks: dict[str, int]
) -> None:
    data = report(run, "weekly", "--tz", "UTC", "--start-of-week", start)
    assert {w["week"]: w["requests"] for w in data["weeks"]} == weeks
    assert data["totals"]["requests"] == 7


def test_monthly(run: Run, usage: object) -> None:
    data = report(run, "monthly", "--tz", "UTC")
    [month] = data["months"]
    assert month["month"] == "2026-03"
    assert month["total_tokens"] == data["totals"]["total_tokens"]
    assert month["models"] == sorted([OPUS, SONNET, "gpt-5-codex"])


def test_session(run: Run, usage: object) -> None:
    data = report(run, "session", "--tz", "UTC")
    rows = {s["session_id"]: s for s in data["sessions"]}
    assert set(rows) == {"sA", "sB", "c1"}
    assert rows["sA"]["requests"] == 3
    assert rows["sA"]["project"] == "-home-dev-work-api"
    assert rows["c1"]["project"] == "x"
    assert rows["sA"]["first_activity"].startswith("2026-03-02T10:00:00")
    assert rows["sA"]["last_activity"].startswith("2026-03-08T12:00:00")
    # ordered by last activity
    assert [s["session_id"] for s in data["sessions"]] == ["c1", "sA", "sB"]
    for f in SUMMED:
        assert data["totals"][f] == _sum(data["sessions"], f)


def test_blocks(run: Run, roots: tuple[Path, Path]) -> None:
    claude, _ = roots
    claude_file(
        claude,
        "p",
        "s",
        [
            _line(1, "2024-05-06T10:15:00Z"),
            _line(2, "2024-05-06T11:00:00Z"),
            _line(3, "2024-05-06T18:30:00Z", output_tokens=7),
        ],
    )
    blocks = report(run, "blocks", "--tz", "UTC")["blocks"]
    assert [b["is_gap"] for b in blocks] == [False, True, False]
    first, gap, last = blocks
    for b in blocks:
        assert set(b) >= {
            "start",
            "end",
            "actual_end",
            "is_active",
            "is_gap",
            *TOKEN_FIELDS,
            "total_tokens",
            "cost_usd",
            "models",
            "burn_rate",
            "projection",
        }
        assert b["is_active"] is False
        assert b["projection"] is None
    assert first["start"].startswith("2024-05-06T10:00")  # floored to the hour
    assert first["end"].startswith("2024-05-06T15:00")
    assert first["actual_end"].startswith("2024-05-06T11:00")
    assert first["requests"] == 2
    assert first["total_tokens"] == 2 * 1303
    assert first["models"] == [SONNET]
    assert first["burn_rate"]["tokens_per_minute"] == pytest.approx(2 * 1303 / 45)
    assert gap["requests"] == 0 and gap["total_tokens"] == 0
    assert last["start"].startswith("2024-05-06T18:00")
    assert last["burn_rate"] is None  # a single event has no duration
    assert last["output_tokens"] == 7


def test_active_block_has_a_projection(run: Run, roots: tuple[Path, Path]) -> None:
    claude, _ = roots
    now = datetime.now(UTC)
    claude_file(
        claude,
        "p",
        "s",
        [_line(1, iso(now - timedelta(minutes=10))), _line(2, iso(now - timedelta(minutes=4)))],
    )
    [block] = report(run, "blocks", "--tz", "UTC")["blocks"]
    assert block["is_active"] is True
    projection = block["projection"]
    assert projection["remaining_minutes"] > 0
    assert projection["total_tokens"] >= block["total_tokens"]
    assert block["burn_rate"]["tokens_per_minute"] == pytest.approx(2 * 1303 / 6, rel=0.01)


# -- local days ---------------------------------------------------------------------------


def _days(data: dict[str, Any]) -> dict[str, int]:
    return {d["date"]: d["requests"] for d in data["days"]}


def test_days_are_local_with_a_half_hour_offset(run: Run, roots: tuple[Path, Path]) -> None:
    claude, _ = roots
    claude_file(
        claude,
        "p",
        "s",
        [_line(1, "2026-03-10T18:20:00Z"), _line(2, "2026-03-10T18:40:00Z")],  # 23:50, 00:10 IST
    )
    assert _days(report(run, "daily", "--tz", "Asia/Kolkata")) == {
        "2026-03-10": 1,
        "2026-03-11": 1,
    }
    assert _days(report(run, "daily", "--tz", "UTC")) == {"2026-03-10": 2}
    one = report(
        run, "daily", "--tz", "Asia/Kolkata", "--since", "2026-03-11", "--until", "2026-03-11"
    )
    assert _days(one) == {"2026-03-11": 1}
    assert one["totals"]["requests"] == 1
    compact = report(run, "daily", "--tz", "Asia/Kolkata", "--since", "20260311")
    assert _days(compact) == {"2026-03-11": 1}
    before = report(run, "daily", "--tz", "Asia/Kolkata", "--until", "2026-03-10")
    assert _days(before) == {"2026-03-10": 1}


def test_days_are_local_across_dst_changes(run: Run, roots: tuple[Path, Path]) -> None:
    claude, _ = roots
    stamps = [
        "2026-03-08T04:30:00Z",  # 23:30 EST, Mar 7
        "2026-03-08T05:30:00Z",  # 00:30 EST, Mar 8 (clocks spring forward at 02:00)
        "2026-03-09T03:30:00Z",  # 23:30 EDT, Mar 8
        "2026-03-09T04:30:00Z",  # 00:30 EDT, Mar 9
        "2026-11-01T03:30:00Z",  # 23:30 EDT, Oct 31
        "2026-11-01T04:30:00Z",  # 00:30 EDT, Nov 1 (clocks fall back at 02:00)
        "2026-11-02T04:30:00Z",  # 23:30 EST, Nov 1
        "2026-11-02T05:30:00Z",  # 00:30 EST, Nov 2
    ]
    claude_file(claude, "p", "s", [_line(i, ts) for i, ts in enumerate(stamps)])
    tz = ("--tz", "America/New_York")
    assert _days(report(run, "daily", *tz)) == {
        "2026-03-07": 1,
        "2026-03-08": 2,
        "2026-03-09": 1,
        "2026-10-31": 1,
        "2026-11-01": 2,
        "2026-11-02": 1,
    }
    spring = report(run, "daily", *tz, "--since", "2026-03-08", "--until", "2026-03-08")
    assert _days(spring) == {"2026-03-08": 2}
    fall = report(run, "daily", *tz, "--since", "2026-11-01", "--until", "2026-11-01")
    assert _days(fall) == {"2026-11-01": 2}
    months = report(run, "monthly", *tz)
    assert {m["month"]: m["requests"] for m in months["months"]} == {
        "2026-03": 4,
        "2026-10": 1,
        "2026-11": 3,
    }


def test_since_after_until_is_an_error(run: Run, usage: object) -> None:
    result = run(
        "daily", "--json", "--tz", "UTC", "--since", "2026-03-09", "--until", "2026-03-01", ok=False
    )
    assert result.exit_code == 2
    assert "--since" in result.stderr


# -- filters, grouping, order -------------------------------------------------------------


def test_agent_filter(run: Run, usage: object) -> None:
    everything = report(run, "daily", "--tz", "UTC")
    claude = report(run, "daily", "--tz", "UTC", "--agent", "claude")
    codex = report(run, "daily", "--tz", "UTC", "--agent", "codex")
    assert [d["date"] for d in codex["days"]] == ["2026-03-03"]
    assert "2026-03-03" not in _days(claude)
    assert {a for d in claude["days"] for a in d["agents"]} == {"claude-code"}
    for f in SUMMED:
        assert claude["totals"][f] + codex["totals"][f] == everything["totals"][f]
    both = report(run, "daily", "--tz", "UTC", "--agent", "claude", "--agent", "codex")
    assert both["totals"] == everything["totals"]


def test_project_filter(run: Run, usage: object) -> None:
    data = report(run, "daily", "--tz", "UTC", "--project", "-home-dev-work-web")
    assert _days(data) == {"2026-03-09": 2}
    assert report(run, "daily", "--tz", "UTC", "--project", "x")["totals"]["requests"] == 2
    assert report(run, "daily", "--tz", "UTC", "--project", "nope")["days"] == []


def test_instances_group_by_project(run: Run, usage: object) -> None:
    data = report(run, "daily", "--tz", "UTC", "--instances")
    projects = data["projects"]
    assert "days" not in data
    assert set(projects) == {"-home-dev-work-api", "-home-dev-work-web", "x"}
    assert [d["date"] for d in projects["-home-dev-work-api"]] == ["2026-03-02", "2026-03-08"]
    assert [d["date"] for d in projects["x"]] == ["2026-03-03"]
    rows = [r for rs in projects.values() for r in rs]
    for f in SUMMED:
        assert _sum(rows, f) == data["totals"][f]


def test_order_desc(run: Run, usage: object) -> None:
    asc = [d["date"] for d in report(run, "daily", "--tz", "UTC")["days"]]
    desc = [d["date"] for d in report(run, "daily", "--tz", "UTC", "--order", "desc")["days"]]
    assert desc == asc[::-1] and asc == sorted(asc)
    sessions = report(run, "session", "--tz", "UTC", "--order", "desc")["sessions"]
    assert [s["session_id"] for s in sessions] == ["sB", "sA", "c1"]


# -- costs --------------------------------------------------------------------------------


def test_cost_modes(run: Run, roots: tuple[Path, Path]) -> None:
    claude, _ = roots
    claude_file(
        claude,
        "p",
        "s",
        [
            _line(1, "2026-03-02T10:00:00Z", cost_usd=1.5),
            _line(2, "2026-03-02T11:00:00Z"),
        ],
    )
    calc = sonnet_cost(3, 100, 1000, 200)

    def cost(mode: str | None) -> float:
        args = ["daily", "--tz", "UTC"] + (["--mode", mode] if mode else [])
        value: float = report(run, *args)["totals"]["cost_usd"]
        return value

    assert cost("auto") == usd(1.5 + calc)
    assert cost(None) == usd(1.5 + calc)  # auto is the default
    assert cost("calculate") == usd(2 * calc)
    assert cost("display") == usd(1.5)
    bad = run("daily", "--json", "--tz", "UTC", "--mode", "guess", ok=False)
    assert bad.exit_code == 2


def test_unpriced_model_is_not_silently_free(run: Run, roots: tuple[Path, Path]) -> None:
    claude, _ = roots
    claude_file(
        claude,
        "p",
        "s",
        [
            _line(1, "2026-03-02T10:00:00Z", model="claude-made-up-model-9"),
            _line(2, "2026-03-02T10:05:00Z", model="claude-made-up-model-9"),
            _line(3, "2026-03-02T10:10:00Z"),
        ],
    )
    data = report(run, "daily", "--tz", "UTC")
    assert data["unpriced_models"] == [{"model": "claude-made-up-model-9", "requests": 2}]
    assert data["totals"]["unpriced_requests"] == 2
    assert data["days"][0]["unpriced_requests"] == 2
    assert data["totals"]["cost_usd"] == usd(sonnet_cost(3, 100, 1000, 200))
    table = run("daily", "--tz", "UTC").stdout
    assert "?" in table  # the table marks the cost as incomplete


def test_genai_prices_used_without_overrides(
    run: Run, roots: tuple[Path, Path], isolated_home: Path
) -> None:
    (isolated_home / "config.toml").unlink()
    claude, _ = roots
    claude_file(claude, "p", "s", [_line(1, "2026-03-02T10:00:00Z")])
    data = report(run, "daily", "--tz", "UTC")
    assert data["unpriced_models"] == []
    assert data["totals"]["cost_usd"] == usd(sonnet_cost(3, 100, 1000, 200))


# -- no logs ------------------------------------------------------------------------------


def _flat(text: str) -> str:
    """Rich may fold long paths at the console width: compare without line breaks."""
    return "".join(text.split())


def test_no_logs_names_the_directories_looked_in(run: Run) -> None:
    home = Path.home()
    result = run("daily")
    assert result.exit_code == 0
    assert "No AI agent usage found" in result.stderr
    for path in (
        Path.home() / ".config" / "claude" / "projects",
        home / ".claude" / "projects",
        home / ".codex" / "sessions",
        home / ".codex" / "archived_sessions",
    ):
        assert _flat(str(path)) in _flat(result.stderr), path
    assert result.stdout.strip() == ""


def test_no_logs_with_json_is_still_json(run: Run, roots: tuple[Path, Path]) -> None:
    claude, codex = roots
    result = run("daily", "--json")
    assert json.loads(result.stdout)["days"] == []
    assert _flat(str(claude / "projects")) in _flat(result.stderr)
    assert _flat(str(codex / "sessions")) in _flat(result.stderr)


def test_no_logs_message_keeps_long_paths_whole(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each directory on a line of its own, unbroken, so it can be copied (not a terminal:
    no console width to fold at)."""
    deep = tmp_path / ("nested-config-directory-" * 5).rstrip("-")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(deep))
    monkeypatch.setenv("CODEX_HOME", str(deep))
    result = run("daily")
    lines = [line.strip() for line in result.stderr.splitlines()]
    for path in (deep / "projects", deep / "sessions", deep / "archived_sessions"):
        assert len(str(path)) > 100
        assert str(path) in lines, result.stderr


def test_a_second_report_reads_nothing_new_and_answers_the_same(run: Run, usage: object) -> None:
    first = report(run, "daily", "--tz", "UTC", "--breakdown")
    assert report(run, "daily", "--tz", "UTC", "--breakdown") == first
