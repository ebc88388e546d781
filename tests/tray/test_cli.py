"""`aiusage tray` as a user runs it, where there is no system tray (offscreen Qt)."""

from __future__ import annotations

import os
from pathlib import Path

from clitools import run_cli


def test_without_a_system_tray_it_says_so_and_names_the_fix(tmp_path: Path) -> None:
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"  # set by conftest; inherited
    done = run_cli(tmp_path / "home", "tray", "--mode", "cost", timeout=60)
    assert done.returncode == 3, done.stderr
    assert "No system tray was found" in done.stderr
    assert "gnome-shell-extension-appindicator" in done.stderr


def test_bad_options_are_refused_before_qt_starts(tmp_path: Path) -> None:
    done = run_cli(tmp_path / "home", "tray", "--mode", "sparkles")
    assert done.returncode == 2
    assert "--mode must be badge, cost or count" in done.stderr
    done = run_cli(tmp_path / "home", "tray", "--interval", "soon")
    assert done.returncode == 2
    assert "interval 'soon' is not a duration" in done.stderr
