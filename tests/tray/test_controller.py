"""The tray against the real facade on a temporary store: what it shows, and what each
menu action does to the store, the collectors and the dashboard."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from traytools import free_port, seed, wait_for

from aiusage.app import AppContext, open_app
from aiusage.tray.backend import NO_COLLECTOR, Backend
from aiusage.tray.controller import PAUSE_TEXT, TrayController
from aiusage.tray.dashboard import Dashboard, is_aiusage
from aiusage.tray.icon import badge_rect
from aiusage.tray.model import COLOURS
from logs_factory import claude_file, claude_line


class Opened:
    """The browser, at the outer edge: records the URLs it was asked to open."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        return True


@pytest.fixture
def make(qapp: QApplication, db_url: str) -> Iterator[Any]:
    made: list[TrayController] = []

    def factory(mode: str = "badge", **kwargs: Any) -> TrayController:
        controller = TrayController(Backend(AppContext(database_url=db_url)), mode, **kwargs)  # type: ignore[arg-type]
        made.append(controller)
        return controller

    yield factory
    for controller in made:
        controller.timer.stop()
        controller.icon.hide()
        controller.dashboard.stop()
        controller.backend.close()


def badge_colour(controller: TrayController) -> str:
    image = controller.icon.icon().pixmap(64, 64).toImage()
    dot = badge_rect(64).center()
    return image.pixelColor(int(dot.x()), int(dot.y())).name()


def test_a_window_past_critical_turns_the_badge_red_and_is_named(make: Any, db_url: str) -> None:
    seed(db_url, codex_used=97.0, cost=1.5)
    controller = make("badge")
    controller.start()
    assert controller.view.status == "critical"
    assert badge_colour(controller) == COLOURS["critical"]
    tip = controller.icon.toolTip()
    assert "aiusage: critical" in tip
    assert "Today $3.00" in tip
    assert "codex: 5-hour window at 97%" in tip
    assert NO_COLLECTOR in tip  # nothing collects: the tooltip says how to fix it
    texts = [a.text() for a in controller.source_actions]
    assert texts[0].startswith("codex — $1.50 today")
    assert any(t.startswith("claude-code — $1.50 today") for t in texts)
    assert controller.header.text().startswith("Today $3.00")


def test_a_quiet_store_is_green_and_the_timer_picks_up_new_readings(make: Any, db_url: str) -> None:
    seed(db_url, codex_used=10.0)
    controller = make("badge", interval_s=1.0)
    controller.start()
    assert badge_colour(controller) == COLOURS["ok"]
    seed(db_url, codex_used=85.0)  # a newer reading, written by "the daemon"
    wait_for(lambda: controller.view.status == "warning", timeout=10)
    assert badge_colour(controller) == COLOURS["warning"]


def test_cost_and_count_modes_draw_their_numbers(make: Any, db_url: str) -> None:
    seed(db_url, cost=21.0)
    cost, count = make("cost"), make("count")
    cost.update()
    count.update()
    assert cost.view.icon_text == "$42"
    assert count.view.icon_text == "2"
    assert cost.icon.icon().pixmap(64, 64).toImage() != count.icon.icon().pixmap(64, 64).toImage()


def test_pause_writes_an_hour_of_silence_to_the_store_and_resume_ends_it(
    make: Any, db_url: str
) -> None:
    seed(db_url)
    controller = make()
    controller.start()
    before = time.time() * 1000
    controller.pause_action.trigger()
    app = open_app(AppContext(database_url=db_url))
    try:
        until = app.alerts.paused_until()
        assert until is not None
        assert before + 3_600_000 - 5_000 <= until <= time.time() * 1000 + 3_600_000
        assert controller.pause_action.text() == "Resume alerts"
        assert controller.paused_action.isVisible()
        assert controller.paused_action.text().startswith("Alerts paused until ")
        controller.pause_action.trigger()
        assert app.alerts.paused_until() is None
    finally:
        app.close()
    assert controller.pause_action.text() == PAUSE_TEXT
    assert not controller.paused_action.isVisible()


def test_refresh_all_collects_accounts_and_reads_agent_logs(
    make: Any, db_url: str, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiusage.fake.local import FakeOllama

    claude = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    claude_file(claude, "-home-me-shop", "s1", [claude_line(ts=_iso_now(), msg_id="m1")])
    with FakeOllama() as url:
        isolated_home.mkdir(parents=True, exist_ok=True)
        (isolated_home / "config.toml").write_text(
            f'[accounts.local]\nprovider = "ollama"\nbase_url = "{url}"\n', encoding="utf-8"
        )
        controller = make()
        controller.start()
        assert not any(a.text().startswith("claude-code") for a in controller.source_actions)
        controller.refresh_action.trigger()
        assert not controller.refresh_action.isEnabled()  # one refresh at a time
        wait_for(lambda: controller.refresh_action.isEnabled())
    assert "1 accounts collected, 1 new log records" in controller.icon.toolTip()
    assert any(a.text().startswith("claude-code") for a in controller.source_actions)
    app = open_app(AppContext(database_url=db_url))
    try:
        (local,) = app.accounts.status()
        assert (local.name, local.status) == ("local", "ok")
    finally:
        app.close()


class Healthz(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "version": "0.1.0"}).encode()
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_open_dashboard_reuses_a_server_that_answers(make: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    launched: list[Sequence[str]] = []

    def launch(argv: Sequence[str], env: dict[str, str], log: Path) -> Any:
        launched.append(argv)
        raise AssertionError("a running dashboard must be reused, not started again")

    try:
        opened = Opened()
        port = server.server_address[1]
        controller = make(dashboard=Dashboard("127.0.0.1", port, launch=launch), open_url=opened)
        controller.start()
        controller.dashboard_action.trigger()
        wait_for(lambda: opened.urls)
    finally:
        server.shutdown()
        server.server_close()
    assert opened.urls == [f"http://127.0.0.1:{port}/"]
    assert launched == []


def test_open_dashboard_starts_aiusage_serve_and_quit_stops_it(
    make: Any, db_url: str, qapp: QApplication
) -> None:
    seed(db_url)
    port = free_port()
    opened = Opened()
    stopped: list[bool] = []
    dashboard = Dashboard("127.0.0.1", port, database_url=db_url)
    controller = make(dashboard=dashboard, open_url=opened, on_quit=lambda: stopped.append(True))
    controller.start()
    controller.dashboard_action.trigger()
    wait_for(lambda: opened.urls, timeout=60)
    url = f"http://127.0.0.1:{port}/"
    assert opened.urls == [url]
    server = dashboard.process
    assert server is not None and server.poll() is None
    assert is_aiusage(url)
    assert "serve" in dashboard.command()
    QTimer.singleShot(0, controller.quit_action.trigger)
    assert qapp.exec() == 0  # Quit leaves the event loop
    assert server.poll() is not None  # the server the tray started is gone with it
    assert not is_aiusage(url)
    assert stopped == [True]
    assert not controller.icon.isVisible()
    assert not controller.timer.isActive()


def test_a_server_that_cannot_start_is_reported_with_its_log(make: Any, tmp_path: Path) -> None:
    dashboard = Dashboard(
        "127.0.0.1",
        free_port(),
        executable=(sys.executable, "-c", "import sys; print('port in use'); sys.exit(4)"),
    )
    dashboard.log = tmp_path / "serve.log"
    controller = make(dashboard=dashboard, open_url=Opened())
    failures: list[str] = []
    controller.dashboard_failed.connect(failures.append)
    controller.dashboard_action.trigger()
    wait_for(lambda: failures)
    assert failures == ["aiusage serve exited (4): port in use"]


def _iso_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_run_collects_in_process_with_collect_and_ctrl_c_stops_it_all(
    qapp: QApplication, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`aiusage tray --collect` as run() wires it: the daemon's collector holds the store's
    lock while the tray runs; SIGINT quits the loop with 0 and releases it."""
    import os
    import signal

    from aiusage.tray import main

    monkeypatch.setattr(main, "_tray_appears", lambda qt, timeout_s: True)  # the desktop
    seed(db_url)
    app = open_app(AppContext(database_url=db_url))
    seen: list[int | None] = []

    def look_then_interrupt() -> None:
        wait_for(lambda: app.service.daemon_pid() is not None, timeout=20)
        seen.append(app.service.daemon_pid())
        os.kill(os.getpid(), signal.SIGINT)

    QTimer.singleShot(100, look_then_interrupt)
    try:
        code = main.run(AppContext(database_url=db_url), main.TrayOptions(collect=True))
        assert code == 0
        assert seen == [os.getpid()]  # collecting here, under the daemon's lock
        assert app.service.daemon_pid() is None  # and no more
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        app.close()
