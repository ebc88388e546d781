#!/usr/bin/env python3
"""The system libraries Qt needs for the tray's tests and screenshot (stdlib only).

Why: the PySide6 wheel carries Qt itself but links the system's OpenGL, fontconfig,
xkbcommon and GLib, which a minimal Debian image lacks; without a font, text painted into
the icon (its cost mode) comes out blank. The tests run Qt on its offscreen platform, so
they need no display. The screenshot (scripts/tray_screenshot.py) needs a real X server:
Xvfb, a panel with a system tray (tint2) and the xcb libraries of Qt's X11 plugin.

`ensure_qt()` checks by starting a QApplication in .venv's Python; when that fails and we
are root with apt-get (CI, a fresh container), it installs the packages, as
scripts/browser.py does for Chromium. Anywhere else it fails with the command that fixes
it: the tray's tests never skip silently.

Run directly to check (and install) both sets: `python3 scripts/qtlibs.py [--display]`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import aptget  # scripts/aptget.py, beside this file (the callers put scripts/ on sys.path)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
OFFSCREEN = (
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libxkbcommon0",
    "libglib2.0-0",
    "libdbus-1-3",
    "fonts-dejavu-core",
)
DISPLAY = (
    "xvfb",
    "tint2",
    "libx11-xcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
)
PROBE = (
    "from PySide6.QtGui import QFontDatabase; "
    "from PySide6.QtWidgets import QApplication; "
    "app = QApplication([]); "
    "assert QFontDatabase.families(), 'no fonts'"
)


class QtLibsError(RuntimeError):
    """Qt's system libraries could not be provided."""


def _log(message: str) -> None:
    print(f"qtlibs: {message}", file=sys.stderr, flush=True)


def qt_starts(platform: str = "offscreen", python: Path = PYTHON) -> str | None:
    """None when Qt starts on ``platform`` with a font; else what went wrong."""
    env = {**os.environ, "QT_QPA_PLATFORM": platform}
    done = subprocess.run(
        [str(python), "-c", PROBE], env=env, capture_output=True, text=True, check=False
    )
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]


def _apt_install(packages: tuple[str, ...]) -> None:
    if not aptget.can_install():
        raise QtLibsError(
            "Qt's system libraries are missing. Install them, e.g. on Debian/Ubuntu:\n"
            f"    sudo apt-get install -y {' '.join(packages)}\n"
            "(or rerun this command as root, which installs them automatically)."
        )
    _log(f"installing {' '.join(packages)} with apt-get...")
    failed = aptget.install(packages)
    if failed:
        raise QtLibsError(failed)


def ensure_qt(display: bool = False, python: Path = PYTHON) -> None:
    """Make Qt start offscreen (and, with ``display``, have Xvfb, tint2 and Qt's xcb
    libraries); raise QtLibsError with the fix when that cannot be done."""

    def display_missing() -> bool:
        tools = shutil.which("Xvfb") and shutil.which("tint2")
        return display and (not tools or _xcb_missing(python))

    if qt_starts("offscreen", python) is None and not display_missing():
        return
    _apt_install(OFFSCREEN + (DISPLAY if display else ()))
    problem = qt_starts("offscreen", python)
    if problem is not None:
        raise QtLibsError(f"Qt still does not start after installing its libraries: {problem}")
    if display_missing():
        raise QtLibsError("Xvfb, tint2 or a library of Qt's xcb plugin is still missing")


def _xcb_missing(python: Path) -> bool:
    """Whether Qt's X11 plugin lacks a library (ldd says 'not found')."""
    done = subprocess.run(
        [str(python), "-c", "import PySide6, os; print(os.path.dirname(PySide6.__file__))"],
        capture_output=True,
        text=True,
        check=False,
    )
    plugin = Path(done.stdout.strip()) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists() or not shutil.which("ldd"):
        return False
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False)
    return "not found" in ldd.stdout


if __name__ == "__main__":
    try:
        ensure_qt(display="--display" in sys.argv[1:])
    except QtLibsError as exc:
        sys.exit(f"qtlibs: {exc}")
    print("qtlibs: Qt starts" + (" (Xvfb, tint2 and xcb too)" if "--display" in sys.argv else ""))
