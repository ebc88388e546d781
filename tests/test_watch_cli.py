"""`--watch [SECONDS]` on the reports: the real CLI in a subprocess redraws as new log
lines arrive and stops with exit 0 on Ctrl-C, written to a pipe and to a terminal."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aiusage.cli.watch import DEFAULT_S, with_default_interval
from logs_factory import append_text, claude_file, claude_line

TODAY = "2026-11-07"


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AIUSAGE_HOME": str(tmp_path / "home"),
        "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"),
        "NO_COLOR": "1",
        "COLUMNS": "160",
        "LINES": "60",
        "TZ": "UTC",
    }


def session(tmp_path: Path) -> Path:
    line = claude_line(ts=f"{TODAY}T09:00:00Z", msg_id="m1", req_id="r1", output_tokens=100)
    return claude_file(tmp_path / "claude", "-home-me-shop", "s1", [line])


def more(path: Path) -> None:
    """A second turn, as Claude Code appends it while the watch runs."""
    line = claude_line(ts=f"{TODAY}T09:05:00Z", msg_id="m2", req_id="r2", output_tokens=1_000_000)
    append_text(path, line + "\n")


class Output:
    """Everything a reader thread has read so far from ``read``."""

    def __init__(self, read: Callable[[], bytes]) -> None:
        self.text = ""
        self._read = read
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while chunk := self._read():
            self.text += chunk.decode(errors="replace")

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            assert time.monotonic() < deadline, f"{needle!r} never appeared in:\n{self.text}"
            time.sleep(0.05)


def command(*args: str, report: str = "daily") -> list[str]:
    return [sys.executable, "-m", "aiusage", report, "--since", TODAY, *args]


@pytest.mark.parametrize("report", ["daily", "weekly", "monthly", "session"])
def test_piped_frames_follow_each_other_and_new_lines_show_up(tmp_path: Path, report: str) -> None:
    log = session(tmp_path)
    proc = subprocess.Popen(
        command("--watch", "0.3", report=report),
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    out = Output(lambda: os.read(proc.stdout.fileno(), 65536))  # type: ignore[union-attr]
    try:
        out.wait_for("Every 0.3 s")
        out.wait_for("Total")
        assert "1,000,100" not in out.text
        more(log)
        out.wait_for("1,000,100")  # the next frame read the new turn
        frames = out.text.count("Every 0.3 s")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert frames >= 2
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")


def test_on_a_terminal_it_redraws_in_place_and_ctrl_c_exits_0(
    tmp_path: Path,
) -> None:
    log = session(tmp_path)
    leader, follower = pty.openpty()
    env = {**env_for(tmp_path), "TERM": "xterm-256color"}
    env.pop("NO_COLOR")
    proc = subprocess.Popen(
        command("--watch", "0.5"),
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)

    def read() -> bytes:
        try:
            return os.read(leader, 65536)
        except OSError:  # the terminal's other end is gone: the process ended
            return b""

    out = Output(read)
    try:
        out.wait_for("Every 0.5 s")
        out.wait_for(TODAY)
        more(log)
        out.wait_for("1,000,100")
        redraws = out.text.count("\x1b[2K")  # Live erases its lines to redraw them
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        time.sleep(0.2)
        os.close(leader)
    assert code == 0
    assert redraws > 0
    assert out.text.count("Every 0.5 s") >= 2
    assert "Traceback" not in out.text


def test_watch_alone_takes_the_default_interval(tmp_path: Path) -> None:
    session(tmp_path)
    proc = subprocess.Popen(
        command("--watch", "--breakdown"), env=env_for(tmp_path), stdout=subprocess.PIPE
    )
    out = Output(lambda: os.read(proc.stdout.fileno(), 65536))  # type: ignore[union-attr]
    try:
        # a frame at all means --breakdown was read as an option, not as the interval
        out.wait_for(f"Every {DEFAULT_S:g} s")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0

    assert with_default_interval(["daily", "--watch"]) == ["daily", "--watch", str(DEFAULT_S)]
    assert with_default_interval(["daily", "--watch", "-b"]) == [
        "daily",
        "--watch",
        str(DEFAULT_S),
        "-b",
    ]
    assert with_default_interval(["daily", "--watch", "2"]) == ["daily", "--watch", "2"]
    assert with_default_interval(["daily", "--watch=2"]) == ["daily", "--watch=2"]


@pytest.mark.parametrize("period", ["daily", "weekly", "monthly", "session"])
def test_watch_with_json_is_refused(tmp_path: Path, period: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", period, "--watch", "--json"],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--watch redraws a table; leave out --json" in done.stderr


def test_budgets_and_limits_watch_too(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    log = session(tmp_path)
    add = [sys.executable, "-m", "aiusage", "budgets", "set", "all-time", "--limit", "10"]
    subprocess.run(
        [*add, "--period", "custom", "--start", TODAY, "--end", TODAY], env=env, check=True
    )
    for args, before, after in (
        (["budgets", "--watch", "0.3"], "$0.0", "over by $5"),
        (["limits", "--watch", "0.3", "--no-fetch"], "claude-code 5h: estimated", None),
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "aiusage", *args], env=env, stdout=subprocess.PIPE
        )
        out = Output(lambda p=proc: os.read(p.stdout.fileno(), 65536))  # type: ignore[misc, union-attr]
        try:
            out.wait_for(before)
            if after:
                more(log)  # $15 of output tokens: the budget of $10 is blown
                out.wait_for(after)
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 0
