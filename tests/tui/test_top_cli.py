"""`aiusage top` as a command: its options, and errors said before the screen opens."""

from __future__ import annotations

from pathlib import Path

from clitools import run_cli


def test_help_lists_the_options(isolated_home: Path) -> None:
    done = run_cli(isolated_home, "top", "--help")
    assert done.returncode == 0
    for option in ("--interval", "--no-collect", "--logs-interval", "--tz", "--database"):
        assert option in done.stdout


def test_bad_options_fail_with_a_hint_instead_of_a_screen(isolated_home: Path) -> None:
    done = run_cli(isolated_home, "top", "--tz", "Mars/Olympus_Mons")
    assert done.returncode == 2
    assert "unknown time zone 'Mars/Olympus_Mons'" in done.stderr
    assert "hint:" in done.stderr and "\x1b[?1049h" not in done.stdout  # no alternate screen
    done = run_cli(isolated_home, "top", "--logs-interval", "often")
    assert done.returncode == 2 and "--logs-interval" in done.stderr
