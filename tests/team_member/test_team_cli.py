"""``aiusage team join|status|push|leave`` as a member runs them: subprocesses with their own
home, a fake team server on loopback, the token on stdin and nowhere else; and a push
killed with SIGKILL mid-batch that a second push completes, every record arriving once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from team_fake import TOKEN, TeamFake, events, readings

from aiusage.app import open_app
from clitools import run_cli


def aiusage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(Path(os.environ["AIUSAGE_HOME"]), *args, stdin=stdin)


def seed(n: int, with_readings: int = 0) -> None:
    app = open_app()
    try:
        app.store.write(events(n), readings(with_readings))
    finally:
        app.close()


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def test_join_status_push_leave_and_the_token_stays_in_the_keyring(
    tmp_path: Path, isolated_home: Path, team_server: TeamFake
) -> None:
    seed(30, with_readings=2)
    joined = aiusage(
        "team",
        "join",
        team_server.base_url,
        "--machine",
        "ci-box",
        "--no-share-projects",
        "--since",
        "2025-11-24",
        stdin=TOKEN + "\n",
    )
    assert joined.returncode == 0, joined.stderr
    assert "Joined http://127.0.0.1" in joined.stdout and "ci-box" in joined.stdout
    assert "without project names" in joined.stdout
    # --since 2025-11-24: the turns from 2025-11-24 16:01 UTC on, whatever the local zone
    assert "Queued 30 events and 2 readings" in joined.stdout
    config = (isolated_home / "config.toml").read_text()
    assert "[team]" in config and 'machine = "ci-box"' in config
    assert "share_projects = false" in config

    before = json.loads(aiusage("team", "status", "--json").stdout)
    assert before["server"] == team_server.base_url and before["token"] == "keyring"
    assert (before["backlog_events"], before["backlog_observations"]) == (30, 2)
    assert before["last_push"] is None

    pushed = aiusage("team", "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "Pushed 30 events and 2 readings in 1 batch." in pushed.stdout
    assert team_server.rows("SELECT COUNT(*), MIN(machine), MAX(project) FROM usage_events") == [
        (30, "ci-box", "")
    ]
    shown = aiusage("team", "status")
    assert "Backlog     nothing waiting" in shown.stdout
    assert "Pushed      30 events, 2 readings" in shown.stdout

    outputs = joined.stdout + joined.stderr + pushed.stdout + pushed.stderr + shown.stdout
    assert TOKEN not in outputs
    for path in files_under(isolated_home, tmp_path / "user-home"):
        assert TOKEN.encode() not in path.read_bytes(), f"the token is in {path}"
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    assert keyring == {f"aiusage\0team:{team_server.base_url}": TOKEN}

    left = aiusage("team", "leave")
    assert left.returncode == 0, left.stderr
    assert "[team]" not in (isolated_home / "config.toml").read_text()
    assert json.loads((tmp_path / "keyring.json").read_text()) == {}
    assert "Not in a team" in aiusage("team", "status").stdout
    seed(1)  # after leaving, writes are not queued any more
    assert json.loads(aiusage("team", "status", "--json").stdout)["backlog_events"] == 0


def test_a_refused_token_fails_the_join_and_changes_nothing(
    tmp_path: Path, isolated_home: Path, team_server: TeamFake
) -> None:
    joined = aiusage("team", "join", team_server.base_url, stdin="not-the-token\n")
    assert joined.returncode == 2
    assert "refused the token" in joined.stderr and "not-the-token" not in joined.stderr
    assert not (isolated_home / "config.toml").exists()
    assert not (tmp_path / "keyring.json").exists()
    failed = aiusage("team", "push")
    assert failed.returncode == 2 and "not in a team" in failed.stderr


def test_a_failed_push_exits_1_with_the_reason(isolated_home: Path, team_server: TeamFake) -> None:
    assert aiusage("team", "join", team_server.base_url, stdin=TOKEN).returncode == 0
    seed(3)
    team_server.tokens.clear()
    pushed = aiusage("team", "push", "--json")
    assert pushed.returncode == 1
    answer = json.loads(pushed.stdout)
    assert answer["ok"] is False and "refused the token" in answer["error"]
    assert "aiusage team join" in answer["hint"]


def test_a_push_killed_mid_batch_is_completed_by_the_next_exactly_once(
    isolated_home: Path, team_server: TeamFake
) -> None:
    seed(12_000)  # three batches of at most 5,000
    assert aiusage("team", "join", team_server.base_url, stdin=TOKEN).returncode == 0
    team_server.hold_from = 2  # the second batch is stored, its answer never comes
    child = subprocess.Popen(
        [sys.executable, "-m", "aiusage", "team", "push"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = 60.0
        while team_server.pushes_stored < 2 and deadline > 0:
            team_server.stored.clear()
            team_server.stored.wait(0.2)
            deadline -= 0.2
        assert team_server.pushes_stored == 2
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    status = json.loads(aiusage("team", "status", "--json").stdout)
    assert status["backlog_events"] == 7_000  # the first batch was acknowledged, not the second
    assert team_server.event_count() == 10_000

    team_server.hold_from = None
    again = aiusage("team", "push")
    assert again.returncode == 0, again.stderr
    assert "Pushed 7,000 events" in again.stdout
    assert team_server.event_count() == 12_000
    assert team_server.rows("SELECT COUNT(DISTINCT dedup_key) FROM usage_events") == [(12_000,)]
    assert json.loads(aiusage("team", "status", "--json").stdout)["backlog_events"] == 0
