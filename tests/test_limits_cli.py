"""`aiusage statusline`, `limits`, `blocks` and `sources` as a user runs them: real log
files, a real store, Typer's runner (and a real process for the statusline's entry)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aiusage.cli import app
from aiusage.cli.statusline import run as statusline
from logs_factory import claude_file, claude_line, codex_file, codex_meta, codex_token_count, iso

runner = CliRunner()


def cli(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def now_iso(minutes_ago: float = 0) -> str:
    return iso(datetime.fromtimestamp(time.time() - minutes_ago * 60, UTC))


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex"))
    return root


def hook(transcript: Path | None, **limits: tuple[float, int]) -> str:
    payload: dict[str, Any] = {
        "session_id": "sess-1",
        "model": {"id": "claude-opus-4-5", "display_name": "Opus 4.5"},
        "cost": {"total_cost_usd": 0.42},
    }
    if transcript is not None:
        payload["transcript_path"] = str(transcript)
    if limits:
        payload["rate_limits"] = {
            k: {"used_percentage": v[0], "resets_at": v[1]} for k, v in limits.items()
        }
    return json.dumps(payload)


def status(stdin: str) -> str:
    out = io.StringIO()
    assert statusline([], stdin=io.StringIO(stdin), stdout=out) == 0
    return out.getvalue()


def test_statusline_shows_official_windows_and_reads_only_its_transcript(claude: Path) -> None:
    mine = claude_file(claude, "proj", "sess-1", [claude_line(ts=now_iso(30), msg_id="a")])
    other = claude_file(claude, "proj", "sess-2", [claude_line(ts=now_iso(20), msg_id="b")])
    resets = int(time.time()) + 72 * 60
    line = status(hook(mine, five_hour=(23.4, resets), seven_day=(41.0, resets + 86400)))
    assert line.startswith("Opus 4.5 · session $0.42 · today $")
    assert "5h 23% ⟳ 1h1" in line  # 1h11m or 1h12m, depending on the second
    assert line.rstrip().endswith("week 41%")
    assert line[-1] == "\n" and line.count("\n") == 1
    # only the session's own transcript was read: the other file waits for a report
    data = json.loads(cli("daily", "--json", "--no-refresh").stdout)
    assert data["totals"]["requests"] == 1
    assert other.exists()
    limits = json.loads(cli("limits", "--json", "--no-fetch").stdout)["limits"]
    official = {r["window"]: r for r in limits if r["source"] == "claude-code"}
    assert official["5h"]["kind"] == "official"
    assert official["5h"]["used_percent"] == 23.4
    assert official["5h"]["origin"] == "claude-statusline"
    assert official["7d"]["used_percent"] == 41.0


def test_statusline_without_rate_limits_shows_the_local_block(claude: Path) -> None:
    mine = claude_file(claude, "proj", "sess-1", [claude_line(ts=now_iso(30), msg_id="a")])
    line = status(hook(mine))
    assert "block $" in line and "5h" not in line


@pytest.mark.parametrize(
    "stdin",
    ["", "not json {", "[1, 2]", json.dumps({"rate_limits": {"five_hour": "x"}, "model": 3})],
)
def test_statusline_never_fails_on_bad_input(claude: Path, stdin: str) -> None:
    line = status(stdin)
    assert line.count("\n") == 1 and line.strip()


def test_statusline_process_exits_zero_with_a_fallback_line_when_the_store_is_broken(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    env = {**os.environ, "AIUSAGE_HOME": str(blocker / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "aiusage", "statusline"],
        input=hook(None),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("Opus 4.5 · aiusage: ")
    assert proc.stdout.count("\n") == 1


def test_statusline_process_loads_only_what_its_hot_path_needs(
    tmp_path: Path, claude: Path
) -> None:
    """Speed by construction: no Typer, Rich, pluggy, importlib.metadata or other agents'
    readers in the statusline process (each costs 3–25 ms; the budget is 100 ms)."""
    mine = claude_file(claude, "proj", "sess-1", [claude_line(ts=now_iso(5), msg_id="a")])
    status(hook(mine))  # a warm store: created, and this model's price cached
    with mine.open("a") as fh:
        fh.write(claude_line(ts=now_iso(1), msg_id="b") + "\n")
    probe = (
        "import sys, io; from aiusage.cli.statusline import run; "
        "run([], stdout=io.StringIO()); "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('typer', 'rich', 'click', 'pluggy', 'importlib_metadata') or m in "
        "('importlib.metadata', 'aiusage.plugins.manager') or "
        "m.startswith('aiusage.sources.logs.') and m.rsplit('.', 1)[1] in "
        "('codex', 'gemini', 'opencode', 'amp', 'qwen', 'kimi', 'droid'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        input=hook(mine, five_hour=(10.0, int(time.time()) + 3600)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"the statusline imported {proc.stdout.strip()}"
    data = json.loads(cli("daily", "--json", "--no-refresh").stdout)
    assert data["totals"]["requests"] == 2  # and it did read the new line


def test_limits_show_resets_in_local_time_across_a_dst_change(claude: Path) -> None:
    before = int(datetime(2027, 3, 14, 6, 30, tzinfo=UTC).timestamp())  # 01:30 EST
    after = int(datetime(2027, 3, 14, 7, 30, tzinfo=UTC).timestamp())  # 03:30 EDT
    status(hook(None, five_hour=(10.0, before), seven_day=(20.0, after)))
    rows = json.loads(cli("limits", "--json", "--no-fetch", "--tz", "America/New_York").stdout)
    resets = {r["window"]: r["resets_at"] for r in rows["limits"] if r["kind"] == "official"}
    assert resets == {"5h": "2027-03-14T01:30:00-05:00", "7d": "2027-03-14T03:30:00-04:00"}
    assert rows["timezone"] == "America/New_York"


def test_limits_from_codex_logs_with_both_reset_formats(tmp_path: Path, claude: Path) -> None:
    codex = tmp_path / "codex"
    soon = int(time.time()) + 3600
    limits = {
        "primary": {"used_percent": 30.0, "window_minutes": 300, "resets_at": soon},
        "secondary": {"used_percent": 60.0, "window_minutes": 10080, "resets_in_seconds": 7200},
    }
    codex_file(
        codex,
        "a",
        [
            codex_meta(now_iso(20), "s"),
            codex_token_count(now_iso(19), info_null=True, rate_limits=limits),
        ],
    )
    rows = json.loads(cli("limits", "--json", "--no-fetch", "--tz", "UTC").stdout)["limits"]
    got = {r["window"]: r for r in rows if r["source"] == "codex"}
    assert got["5h"]["used_percent"] == 30.0 and got["5h"]["kind"] == "official"
    assert got["5h"]["resets_at"] == iso(datetime.fromtimestamp(soon, UTC))[:19] + "+00:00"
    assert got["7d"]["used_percent"] == 60.0  # resets 2 h after the reading
    assert set(got["7d"]) >= {"source", "window", "resets_at", "kind", "burn_rate", "exhausts_at"}


def test_plan_from_config_gives_estimated_windows(claude: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[plans]\nclaude = "max5"\n')
    claude_file(claude, "proj", "sess-1", [claude_line(ts=now_iso(10), output_tokens=8_000)])
    rows = json.loads(cli("limits", "--json", "--no-fetch").stdout)["limits"]
    (row,) = [r for r in rows if r["source"] == "claude-code"]
    assert (row["window"], row["kind"], row["origin"]) == ("5h", "estimated", "plan:claude-max5")
    assert row["used_percent"] == pytest.approx((3 + 8_000) / 88_000 * 100, abs=0.01)


def test_unknown_plan_is_a_clear_error(claude: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[plans]\nclaude-code = "gold"\n')
    result = runner.invoke(app, ["limits", "--no-fetch"])
    assert result.exit_code == 2
    assert "unknown plan 'gold'" in result.stderr and "claude-max5" in result.stderr


def test_blocks_json_per_agent_with_token_limit(tmp_path: Path, claude: Path) -> None:
    claude_file(claude, "p", "s1", [claude_line(ts="2026-11-07T10:20:00Z", msg_id="a")])
    claude_file(claude, "p", "s2", [claude_line(ts="2026-11-08T09:00:00Z", msg_id="b")])
    codex_file(
        tmp_path / "codex",
        "c",
        [
            codex_meta("2026-11-07T11:00:00Z", "s"),
            codex_token_count("2026-11-07T11:05:00Z", last=(500, 0, 50, 0), total=(500, 0, 50, 0)),
        ],
    )
    data = json.loads(cli("blocks", "--json", "--tz", "UTC", "--token-limit", "max").stdout)
    real = [b for b in data["blocks"] if not b["is_gap"]]
    assert [(b["agent"], b["start"]) for b in real] == [
        ("claude-code", "2026-11-07T10:00:00+00:00"),
        ("codex", "2026-11-07T11:00:00+00:00"),
        ("claude-code", "2026-11-08T09:00:00+00:00"),
    ]
    assert data["token_limits"] == {"claude-code": 1303, "codex": 550}
    assert real[2]["token_limit"]["used_percent"] == 100.0
    gap = [b for b in data["blocks"] if b["is_gap"]]
    assert [(g["agent"], g["start"], g["end"]) for g in gap] == [
        ("claude-code", "2026-11-07T15:20:00+00:00", "2026-11-08T09:00:00+00:00")
    ]


def test_blocks_live_draws_the_active_block(claude: Path) -> None:
    claude_file(claude, "p", "s1", [claude_line(ts=now_iso(30), msg_id="a")])
    result = cli("blocks", "--live", "--max-refreshes", "1", "--token-limit", "10000")
    assert "claude-code — block since" in result.stdout
    assert "Ctrl-C to quit" in result.stdout and "1,303 / 10,000" in result.stdout


def test_sources_lists_every_agent_with_its_records(claude: Path) -> None:
    claude_file(claude, "p", "s1", [claude_line(msg_id="a"), "garbage"])
    data = json.loads(cli("sources", "--json").stdout)["sources"]
    by_name = {s["name"]: s for s in data}
    assert len(by_name) >= 6
    assert by_name["claude-code"]["records"] == 1
    assert by_name["claude-code"]["skipped_lines"] == 1
    assert by_name["claude-code"]["detected"] is True
    assert by_name["codex"]["detected"] is False
    assert all({"roots", "files", "records", "errors"} <= set(s) for s in data)


def test_opted_in_oauth_usage_is_fetched_stored_and_shown(
    claude: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiusage.fake import claude_oauth as fake

    monkeypatch.delenv("CLAUDE_CODE_OAUTH_TOKEN", raising=False)
    server = fake.FakeClaudeOAuth()
    with server:
        creds = claude / ".credentials.json"
        claude.mkdir(parents=True)
        far = int(time.time() * 1000) + 8 * 3_600_000
        creds.write_text(
            json.dumps({"claudeAiOauth": {"accessToken": server.token, "expiresAt": far}})
        )
        isolated_home.mkdir(parents=True, exist_ok=True)
        (isolated_home / "config.toml").write_text(
            f'claude_oauth_usage = true\nclaude_oauth_base_url = "{server.base_url}"\n'
        )
        before = creds.read_bytes()
        result = cli("limits", "--json")
        data = json.loads(result.stdout)
        assert server.token not in result.stdout
        oauth = [r for r in data["limits"] if r["origin"] == "claude-oauth"]
        assert oauth and all(r["kind"] == "official" for r in oauth)
        assert data["errors"] == []
        assert creds.read_bytes() == before  # read, never written back
        server.script(fake.expired_token())
        data = json.loads(cli("limits", "--json").stdout)
        assert len(data["errors"]) == 1 and "Claude OAuth usage" in data["errors"][0]
        assert server.token not in data["errors"][0]


def test_agent_aliases() -> None:
    from aiusage.app import normalize_agents

    assert normalize_agents(["claude,gemini-cli", "Kimi-Code", "factory"]) == (
        "claude-code",
        "gemini",
        "kimi",
        "droid",
    )
