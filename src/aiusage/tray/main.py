"""``aiusage tray``'s body: a QApplication with the tray icon, until Quit or Ctrl-C.

Why the checks up front: on GNOME without the AppIndicator extension, or on a headless
machine, a tray icon would silently show nowhere; saying so, with the fix, is kinder.
"""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from aiusage.app import AppContext
from aiusage.tray.backend import Backend
from aiusage.tray.controller import TrayController
from aiusage.tray.dashboard import Dashboard
from aiusage.tray.model import Mode

NO_TRAY = (
    "No system tray was found on this desktop, so the icon would show nowhere.\n"
    "  GNOME: install and enable the AppIndicator extension "
    "(Debian/Ubuntu: sudo apt install gnome-shell-extension-appindicator; Fedora: "
    "gnome-shell-extension-appindicator), then log out and back in.\n"
    "  Other desktops: add a system tray (status notifier) area to the panel.\n"
    "  Meanwhile `aiusage serve --open` shows the same in a browser."
)
TRAY_WAIT_S = 30.0  # at login the panel may come up after us
HEADLESS = ("offscreen", "minimal")  # Qt platforms where no tray can ever appear


@dataclass(frozen=True, slots=True)
class TrayOptions:
    mode: Mode = "badge"
    interval_s: float = 60.0
    collect: bool = False  # run the daemon's collector in this process too
    host: str = "127.0.0.1"  # where the dashboard is looked for, or started
    port: int = 8787


class TrayUnavailable(Exception):
    """The desktop has no system tray; the message says how to get one."""


def run(ctx: AppContext, options: TrayOptions) -> int:
    """Show the tray icon until Quit; the exit code."""
    qt = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "aiusage"])
    assert isinstance(qt, QApplication)
    qt.setApplicationName("aiusage")
    qt.setQuitOnLastWindowClosed(False)  # the menu is no window worth living for
    if not _tray_appears(qt, 0.0 if qt.platformName() in HEADLESS else TRAY_WAIT_S):
        raise TrayUnavailable(NO_TRAY)
    backend = Backend(ctx, collecting=options.collect)
    collector = None
    if options.collect:
        collector = backend.app.dashboard.collector(logs_interval_s=60.0)
        collector.start()
    controller = TrayController(
        backend,
        options.mode,
        options.interval_s,
        Dashboard(options.host, options.port, ctx.database_url),
        on_quit=collector.stop if collector is not None else None,
    )
    controller.start()
    _quit_on_signals(controller)
    try:
        return qt.exec()
    finally:
        controller.close()


def _tray_appears(qt: QApplication, timeout_s: float) -> bool:
    """Wait up to ``timeout_s`` for a system tray: started at login, we may be up before
    the panel (XFCE starts both at once; tint2 takes 15 s without a window manager). Qt
    learns of a tray from the display server's events, so they are processed meanwhile."""
    deadline = time.monotonic() + timeout_s
    while not QSystemTrayIcon.isSystemTrayAvailable():
        if time.monotonic() >= deadline:
            return False
        qt.processEvents()
        time.sleep(0.1)
    return True


def _quit_on_signals(controller: TrayController) -> None:
    """Ctrl-C and SIGTERM quit as the menu's Quit does. Qt's loop runs in C++, so a
    timer hands control back to Python now and then for its signal handlers to run."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: controller.quit())
    ticker = QTimer(controller)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
