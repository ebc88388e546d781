#!/usr/bin/env python3
"""Photograph the tray icons and the open menu on a real X server, for the README.

    .venv/bin/python scripts/tray_screenshot.py [--out docs/screenshots/tray.png] [--keep DIR]

Builds the demo home as scripts/screenshots.py does (a month of agent logs, accounts on
loopback fakes, a weekly budget past its warning), starts Xvfb with a tint2 panel whose
system tray hosts the icons over XEmbed, as XFCE's or an older KDE's would, shows the
tray in each of its three modes (badge, cost, count) and opens the badge icon's menu,
then grabs the screen with Qt. The packages (Xvfb, tint2, Qt's xcb libraries) come from
scripts/qtlibs.py. Look at the picture before committing it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import qtlibs  # noqa: E402  (scripts/qtlibs.py)
import screenshots  # noqa: E402  (scripts/screenshots.py: the demo home)

SCREEN = (960, 540)
PANEL = """
rounded = 0
border_width = 0
background_color = #263238 100
border_color = #263238 100

panel_items = FSC
panel_position = top center horizontal
panel_size = 100% 34
panel_padding = 8 2 8
panel_background_id = 1
systray_padding = 6 3 10
systray_icon_size = 26
systray_sort = left2right
time1_format = %H:%M
time1_font = sans bold 10
clock_font_color = #eceff1 100
clock_padding = 10 0
"""


def start_x(tmp: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """Xvfb on a free display, and a tint2 panel with a system tray on it."""
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    display = f":{number}"
    width, height = SCREEN
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        stderr=subprocess.DEVNULL,
    )
    wait(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), "Xvfb")
    rc = tmp / "tint2rc"
    rc.write_text(PANEL, encoding="utf-8")
    env = {**os.environ, "DISPLAY": display}
    panel = subprocess.Popen(
        ["tint2", "-c", str(rc)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return display, [panel, xvfb]


def wait(condition: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"{what} did not come up in {timeout:.0f} s")
        time.sleep(0.1)


def photograph(home: Path, display: str, out: Path) -> None:
    """The tray in three modes with the badge's menu open, as the screen shows it."""
    os.environ.update(DISPLAY=display, AIUSAGE_HOME=str(home), QT_QPA_PLATFORM="xcb", TZ="UTC")
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

    from aiusage.app import AppContext
    from aiusage.tray.backend import Backend
    from aiusage.tray.controller import TrayController
    from aiusage.tray.model import MODES

    qt = QApplication(["aiusage"])
    desktop = QWidget()  # a wallpaper, under the panel
    desktop.setStyleSheet(
        "background: qlineargradient(x1:0, y1:0, x2:1, y2:1, stop:0 #90a4ae, stop:1 #cfd8dc);"
    )
    desktop.setGeometry(QRect(0, 0, *SCREEN))
    desktop.show()
    desktop.lower()

    def settle(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qt.processEvents()
            time.sleep(0.02)

    deadline = time.monotonic() + 40  # tint2 takes ~15 s without a window manager
    while not QSystemTrayIcon.isSystemTrayAvailable():
        if time.monotonic() > deadline:
            sys.exit("the panel's system tray did not come up in 40 s")
        settle(0.2)
    trays = []
    for mode in MODES:
        tray = TrayController(Backend(AppContext()), mode)
        tray.start()
        trays.append(tray)
        settle(0.6)  # the panel orders icons as they arrive
    settle(1.0)
    badge = trays[0]
    where = badge.icon.geometry()
    badge.menu.popup(QPoint(where.left(), where.bottom() + 6))
    settle(1.0)
    menu = badge.menu.geometry()
    shot = qt.primaryScreen().grabWindow(0)
    top = min(menu.left(), where.left()) - 40
    crop = QRect(max(top, 0), 0, SCREEN[0] - max(top, 0), menu.bottom() + 24)
    shot.copy(crop).save(str(out))
    for tray in trays:
        tray.timer.stop()
        tray.icon.hide()
        tray.backend.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "tray.png")
    parser.add_argument("--keep", type=Path, help="build the demo home here and keep it")
    args = parser.parse_args()
    try:
        qtlibs.ensure_qt(display=True, python=Path(sys.executable))
    except qtlibs.QtLibsError as exc:
        sys.exit(f"tray_screenshot: {exc}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aiusage-tray-") as tmp:
        home = args.keep or Path(tmp) / "demo"
        screenshots.aiusage(home, "demo", "--once", "--home", str(home), "--days", "35")
        screenshots.add_budgets(home)
        display, processes = start_x(Path(tmp))
        try:
            photograph(home, display, args.out)
        finally:
            for proc in processes:
                proc.terminate()
                proc.wait(timeout=10)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
