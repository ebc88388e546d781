"""The background service: the unit, plist and task as pure functions, and
`aiusage daemon --install/--uninstall/--status` against a fake `systemctl` on PATH."""

from __future__ import annotations

import json
import os
import plistlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aiusage.daemon import DaemonLock
from aiusage.service import (
    ServiceSpec,
    launchd_plist,
    schtasks_commands,
    systemd_quote,
    systemd_unit,
)
from clitools import run_cli

SPEC = ServiceSpec(
    ("/home/me/my tools/aiusage", "daemon", "--logs-interval", "30s"),
    (
        ("AIUSAGE_HOME", "/home/me/.local/share/aiusage"),
        ("AIUSAGE_DATABASE_URL", "postgresql://u:p%40ss$1@db/ai"),
    ),
)


def test_the_systemd_unit_starts_at_login_restarts_on_failure_and_quotes_safely() -> None:
    assert systemd_unit(SPEC) == (
        "[Unit]\n"
        "Description=aiusage daemon: collects AI usage from provider accounts and agent logs\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        'ExecStart="/home/me/my tools/aiusage" daemon --logs-interval 30s\n'
        "Environment=AIUSAGE_HOME=/home/me/.local/share/aiusage\n"
        'Environment="AIUSAGE_DATABASE_URL=postgresql://u:p%%40ss$1@db/ai"\n'
        "Restart=on-failure\n"
        "RestartSec=60\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("/usr/bin/aiusage", "/usr/bin/aiusage"),
        ("50%", '"50%%"'),
        ("$HOME", '"$$HOME"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("C:\\x y", '"C:\\\\x y"'),
    ],
)
def test_exec_words_escape_specifiers_variables_quotes_and_spaces(word: str, quoted: str) -> None:
    assert systemd_quote(word) == quoted


def test_the_launchd_agent_runs_at_load_and_restarts_only_after_a_failure(tmp_path: Path) -> None:
    plist = plistlib.loads(launchd_plist(SPEC, tmp_path).encode())
    assert plist["Label"] == "dev.aiusage.daemon"
    assert plist["ProgramArguments"] == list(SPEC.argv)
    assert plist["EnvironmentVariables"] == dict(SPEC.env)
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["StandardErrorPath"] == str(tmp_path / "daemon.log")


def test_windows_gets_setx_for_the_variables_then_a_logon_task() -> None:
    commands = schtasks_commands(SPEC)
    assert commands[:2] == [["setx", k, v] for k, v in SPEC.env]
    create = commands[2]
    assert create[:9] == [
        "schtasks",
        "/Create",
        "/F",
        "/TN",
        "aiusage daemon",
        "/SC",
        "ONLOGON",
        "/RL",
        "LIMITED",
    ]
    assert create[9:] == ["/TR", '"/home/me/my tools/aiusage" daemon --logs-interval 30s']


# -- the command, with a fake systemctl --------------------------------------------------
FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
case "$2" in
  is-enabled) echo enabled ;;
  is-active) echo active ;;
  enable) [ -n "$FAKE_SYSTEMCTL_FAIL" ] && { echo "Failed to connect to bus" >&2; exit 1; } ;;
esac
exit 0
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A PATH whose first `systemctl` records its arguments (and where units go)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL, encoding="utf-8")
    fake.chmod(0o755)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_SYSTEMCTL_LOG": str(tmp_path / "systemctl.log"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "COLUMNS": "200",
    }


def aiusage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(Path(os.environ["AIUSAGE_HOME"]), *args, env=env)


def calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_SYSTEMCTL_LOG"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


needs_systemd_platform = pytest.mark.skipif(
    sys.platform in ("darwin", "win32"), reason="installs for real only where systemd is"
)


@needs_systemd_platform
def test_install_writes_the_unit_for_this_aiusage_and_store_and_enables_it(
    env: dict[str, str], tmp_path: Path, isolated_home: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    done = aiusage(env, "daemon", "--install", "--logs-interval", "30s", "--database", db)
    assert done.returncode == 0, done.stderr
    unit = tmp_path / "config" / "systemd" / "user" / "aiusage.service"
    assert f"Installed and started the aiusage service: {unit}" in " ".join(done.stdout.split())
    text = unit.read_text(encoding="utf-8")
    exe = Path(sys.executable).parent / "aiusage"  # the venv's entry point, absolute
    assert f"ExecStart={exe} daemon --logs-interval 30s\n" in text
    assert f"Environment=AIUSAGE_HOME={isolated_home}\n" in text
    assert f"Environment=AIUSAGE_DATABASE_URL={db}\n" in text
    assert "Restart=on-failure\n" in text
    assert stat.S_IMODE(unit.stat().st_mode) == 0o600
    assert calls(env) == ["--user daemon-reload", "--user enable --now aiusage.service"]


@needs_systemd_platform
def test_a_failing_systemctl_is_an_error_with_the_next_step(env: dict[str, str]) -> None:
    done = aiusage({**env, "FAKE_SYSTEMCTL_FAIL": "1"}, "daemon", "--install")
    assert done.returncode == 2
    assert "systemctl --user enable --now aiusage.service` failed (1)" in done.stderr
    assert "Failed to connect to bus" in done.stderr
    assert "the unit is written" in done.stderr


@needs_systemd_platform
def test_status_reports_the_unit_the_running_daemon_and_collections(
    env: dict[str, str], tmp_path: Path, isolated_home: Path
) -> None:
    assert aiusage(env, "daemon", "--install").returncode == 0
    done = aiusage(env, "daemon", "--status", "--json")
    found = json.loads(done.stdout)
    assert (found["installed"], found["running"], found["pid"]) == (True, False, None)
    assert found["manager"] == {"enabled": "enabled", "active": "active"}
    assert calls(env)[-2:] == [
        "--user is-enabled aiusage.service",
        "--user is-active aiusage.service",
    ]
    from aiusage.app import open_app

    app = open_app()
    url = app.store.url
    app.close()
    with DaemonLock(url):  # a daemon (this process) collects into the same store
        found = json.loads(aiusage(env, "daemon", "--status", "--json").stdout)
        shown = aiusage(env, "daemon", "--status").stdout
    assert (found["running"], found["pid"]) == (True, os.getpid())
    assert f"Daemon:   running (pid {os.getpid()})" in shown
    assert "installed (" in shown and "enabled, active" in shown


@needs_systemd_platform
def test_uninstall_stops_disables_and_removes_the_unit(env: dict[str, str], tmp_path: Path) -> None:
    assert aiusage(env, "daemon", "--install").returncode == 0
    done = aiusage(env, "daemon", "--uninstall")
    assert done.returncode == 0, done.stderr
    assert "Stopped and removed the aiusage service" in done.stdout
    assert not (tmp_path / "config" / "systemd" / "user" / "aiusage.service").exists()
    assert calls(env)[-2:] == ["--user disable --now aiusage.service", "--user daemon-reload"]
    again = aiusage(env, "daemon", "--uninstall")
    assert "not installed" in again.stdout


def test_macos_and_windows_get_the_equivalent_printed_not_run(tmp_path: Path) -> None:
    from aiusage.app import open_app

    ran: list[list[str]] = []

    def run(args: object) -> tuple[int, str]:
        ran.append(list(args))  # type: ignore[call-overload]
        return 0, ""

    app = open_app()
    try:
        mac = app.service.install(["--quiet"], platform="darwin", run=run)
        win = app.service.install([], platform="win32", run=run)
        win_off = app.service.uninstall(platform="win32", run=run)
    finally:
        app.close()
    assert ran == []
    assert not mac.done and not win.done
    assert mac.path is not None and mac.path.name == "dev.aiusage.daemon.plist"
    assert not mac.path.exists()
    assert plistlib.loads(mac.text.encode())["ProgramArguments"][-2:] == ["daemon", "--quiet"]
    assert mac.shown_commands()[-1] == f"launchctl load -w {mac.path}"
    assert win.commands[-1][:2] == ["schtasks", "/Create"]
    assert win_off.shown_commands() == ['schtasks /Delete /F /TN "aiusage daemon"']
