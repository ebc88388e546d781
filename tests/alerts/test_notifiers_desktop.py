"""Desktop notifications through a fake ``notify-send`` placed first on PATH: a real
subprocess whose argv is recorded; and what happens when nothing can show them."""

from __future__ import annotations

import asyncio
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
from notif_receivers import argv_of, fake_notify_send, message

from aiusage.alerts.notifiers import Channel, RetryPolicy, channels, deliver, parse_notifiers
from aiusage.errors import ConfigError

FAST = RetryPolicy(attempts=2, timeout_s=10.0, backoff_s=0.01)


def channel(**table: Any) -> Channel:
    config = parse_notifiers({"me": {"type": "desktop", **table}}, Path("config.toml"))["me"]
    (built,) = channels([config])
    return built


def run(notifier: Channel, severity: str = "warning", **changes: Any) -> Any:
    return asyncio.run(deliver(notifier, message(severity, **changes), FAST))


def only_on_path(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.parametrize(
    ("severity", "urgency"), [("info", "low"), ("warning", "normal"), ("critical", "critical")]
)
def test_notify_send_gets_title_body_and_urgency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, severity: str, urgency: str
) -> None:
    log = fake_notify_send(tmp_path / "bin")
    only_on_path(monkeypatch, tmp_path / "bin")
    result = run(channel(backend="notify-send"), severity, title="-rf looks like an option")
    assert result.ok and result.attempts == 1 and result.kind == "desktop"
    assert argv_of(log) == [
        "--app-name=aiusage",
        f"--urgency={urgency}",
        "--",
        "-rf looks like an option",
        "You have spent $85.00 of $100.00 this month <&> @everyone.",
    ]


def test_auto_falls_back_to_notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("desktop_notifier") is not None:
        pytest.skip("desktop-notifier is installed: auto uses it, not notify-send")
    log = fake_notify_send(tmp_path / "bin")
    only_on_path(monkeypatch, tmp_path / "bin")
    assert run(channel()).ok and argv_of(log)[-2] == "Monthly budget at 85%"


def test_a_failing_notify_send_reports_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_notify_send(tmp_path / "bin", exit_code=1, stderr="Cannot autolaunch D-Bus without X11")
    only_on_path(monkeypatch, tmp_path / "bin")
    result = run(channel(backend="notify-send"))
    assert not result.ok and result.attempts == 1  # a missing session does not come back
    assert result.error == (
        "notifier me: notify-send exited with 1 (Cannot autolaunch D-Bus without X11)"
    )
    assert "desktop session" in (result.hint or "")


def test_with_nothing_installed_it_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("desktop_notifier") is not None:
        pytest.skip("desktop-notifier is installed")
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = run(channel())
    assert not result.ok and result.attempts == 1
    assert "neither desktop-notifier nor notify-send" in (result.error or "")
    assert "libnotify-bin" in (result.hint or "") and "desktop-notifier" in (result.hint or "")
    forced = run(channel(backend="desktop-notifier"))
    assert "desktop-notifier is not installed" in (forced.error or "")


def test_an_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="backend must be one of"):
        channel(backend="growl")
