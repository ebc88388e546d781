"""The tray icon itself: QSystemTrayIcon, its menu, a refresh timer, and the actions.

Why Qt's QSystemTrayIcon: one code path reaches KDE and XFCE (StatusNotifierItem or
XEmbed), GNOME with the AppIndicator extension, Windows' notification area and the macOS
menu bar. What is shown comes from ``model.build_view``; this module only wires it.

Slow work never runs on the GUI thread: "Refresh all" (network collection) and "Open
dashboard" (which may start a server and wait for it) run on worker threads and report
back through Qt signals, which Qt delivers on the GUI thread.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QCursor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from aiusage.tray.backend import Backend
from aiusage.tray.dashboard import Dashboard
from aiusage.tray.icon import make_icon
from aiusage.tray.model import COLOURS, Mode, TrayView, build_view

REFRESH_TEXT = "Refresh all"
PAUSE_TEXT = "Pause alerts for 1 h"


class TrayController(QObject):
    """Owns the icon, its menu and timer; ``view`` is what is shown now."""

    collected = Signal(str)  # summary line (from the worker thread)
    dashboard_failed = Signal(str)

    def __init__(
        self,
        backend: Backend,
        mode: Mode = "badge",
        interval_s: float = 60.0,
        dashboard: Dashboard | None = None,
        open_url: Callable[[str], object] = webbrowser.open,
        on_quit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.mode = mode
        self.dashboard = dashboard or Dashboard()
        self.open_url = open_url
        self.on_quit = on_quit  # e.g. stop an in-process collector
        self.view: TrayView = build_view(None, mode)
        self.busy = False
        self.closed = False
        self.workers: list[threading.Thread] = []

        self.icon = QSystemTrayIcon()
        self.menu = QMenu()
        self.header = self.menu.addAction("aiusage", self.open_dashboard)
        bold = self.header.font()
        bold.setBold(True)
        self.header.setFont(bold)
        self.menu.addSeparator()
        self.sources_end = self.menu.addSeparator()
        self.source_actions: list[QAction] = []
        self.paused_action = self.menu.addAction("")
        self.paused_action.setEnabled(False)
        self.refresh_action = self.menu.addAction(REFRESH_TEXT, self.refresh_all)
        self.dashboard_action = self.menu.addAction("Open dashboard", self.open_dashboard)
        self.pause_action = self.menu.addAction(PAUSE_TEXT, self.toggle_pause)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit", self.quit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)

        self.collected.connect(self._collected)
        self.dashboard_failed.connect(self._dashboard_failed)
        self.timer = QTimer(self)
        self.timer.setInterval(max(int(interval_s * 1000), 1000))
        self.timer.timeout.connect(self.update)

    def start(self) -> None:
        """Show the icon with the store's state, and keep it current."""
        self.update()
        self.icon.show()
        self.timer.start()

    # -- showing ---------------------------------------------------------------------
    def update(self) -> None:
        """Read the store and redraw icon, tooltip and menu."""
        snap = self.backend.snapshot()
        self.apply(
            build_view(
                snap.overview,
                self.mode,
                paused_until=snap.paused_until,
                error=snap.error,
                note=snap.note,
            )
        )

    def apply(self, view: TrayView) -> None:
        self.view = view
        self.icon.setIcon(make_icon(view))
        self.icon.setToolTip(view.tooltip)
        self.header.setText(view.header)
        for action in self.source_actions:
            self.menu.removeAction(action)
            action.deleteLater()
        self.source_actions = []
        for line in view.lines:
            action = QAction(_dot(COLOURS.get(line.status, COLOURS["unknown"])), line.text, self)
            action.triggered.connect(self.open_dashboard)  # details live on the dashboard
            self.menu.insertAction(self.sources_end, action)
            self.source_actions.append(action)
        self.paused_action.setText(view.paused or "")
        self.paused_action.setVisible(view.paused is not None)
        self.pause_action.setText("Resume alerts" if view.paused else PAUSE_TEXT)

    # -- actions ---------------------------------------------------------------------
    def refresh_all(self) -> None:
        """Collect every account and read the agent logs now, off the GUI thread."""
        if self.busy:
            return
        self.busy = True
        self.refresh_action.setEnabled(False)
        self.refresh_action.setText("Refreshing…")
        self._spawn(self._collect_worker)

    def _collect_worker(self) -> None:
        try:
            summary = self.backend.collect_all()
        except Exception as exc:  # reported in a balloon, never a dead tray
            summary = f"Refresh failed: {exc}"
        self.collected.emit(summary)

    def _collected(self, summary: str) -> None:
        self.busy = False
        self.refresh_action.setEnabled(True)
        self.refresh_action.setText(REFRESH_TEXT)
        self.update()
        self.icon.setToolTip(f"{self.view.tooltip}\nLast refresh: {summary}")

    def open_dashboard(self) -> None:
        """Reuse the dashboard if one answers, else start ``aiusage serve``; then browse."""
        self._spawn(self._dashboard_worker)

    def _dashboard_worker(self) -> None:
        try:
            self.open_url(self.dashboard.ensure())
        except Exception as exc:
            self.dashboard_failed.emit(str(exc))

    def _dashboard_failed(self, message: str) -> None:
        self.icon.showMessage(
            "aiusage: the dashboard did not start",
            message,
            QSystemTrayIcon.MessageIcon.Warning,
        )

    def toggle_pause(self) -> None:
        """Pause alert notifications for an hour (or resume them when paused)."""
        if self.view.paused:
            self.backend.resume_alerts()
        else:
            self.backend.pause_alerts()
        self.update()

    def quit(self) -> None:
        """Stop what this tray started and leave the event loop."""
        self.close()
        QApplication.quit()

    def close(self) -> None:
        """Hide the icon and stop the timer, the workers, a dashboard server this tray
        started and ``on_quit``'s collector (once; the event loop may end otherwise)."""
        if self.closed:
            return
        self.closed = True
        self.timer.stop()
        self.icon.hide()
        for worker in self.workers:
            worker.join(timeout=5)
        self.dashboard.stop()
        if self.on_quit is not None:
            self.on_quit()
        self.backend.close()

    def _spawn(self, target: Callable[[], None]) -> None:
        self.workers = [w for w in self.workers if w.is_alive()]
        worker = threading.Thread(target=target, name="aiusage-tray", daemon=True)
        self.workers.append(worker)
        worker.start()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        """A left click shows the menu too (some desktops give it only on right click;
        macOS shows it on any click by itself)."""
        if reason == QSystemTrayIcon.ActivationReason.Trigger and sys.platform != "darwin":
            self.menu.popup(QCursor.pos())


def _dot(colour: str, size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(QColor(colour).darker(130))
    painter.drawEllipse(3, 3, size - 6, size - 6)
    painter.end()
    return QIcon(pixmap)
