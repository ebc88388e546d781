"""The daemon as a background service: a systemd user unit, a launchd agent, a scheduled task.

Why each file is made by a pure function: what gets written decides whether the daemon
starts at login with the right database, so it is tested byte for byte without a service
manager. The only side effects, writing the unit and calling ``systemctl``, go through
``install``/``uninstall`` and an injectable runner (tests put a fake ``systemctl`` on
PATH and read the arguments it got).

Linux is installed for real (``~/.config/systemd/user/aiusage.service``, then
``systemctl --user daemon-reload`` and ``enable --now``). On macOS and Windows the
equivalent (a launchd plist and ``launchctl load``; ``schtasks /Create``) is printed for
the user to run: those paths are not exercised here, so they are not done behind anyone's
back.

The service runs the absolute path of the ``aiusage`` being used now, with the database,
home and config file of this run pinned in its environment (not on its command line,
where ``ps`` would show a database password).
"""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiusage.errors import ServiceError

UNIT = "aiusage.service"
LABEL = "dev.aiusage.daemon"
TASK = "aiusage daemon"
DESCRIPTION = "aiusage daemon: collects AI usage from provider accounts and agent logs"
RESTART_S = 60  # also how soon it retries while another collector holds the store's lock

Run = Callable[[Sequence[str]], tuple[int, str]]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What the service runs: the full command and the variables it needs."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Outcome:
    """What install/uninstall did (Linux) or what the user should do (macOS, Windows)."""

    platform: str
    path: Path | None = None  # the unit or plist
    text: str = ""  # its content, when it is to be saved by hand
    commands: list[list[str]] = field(default_factory=list)  # run (Linux) or to run
    done: bool = False  # False: print ``text`` and ``commands`` for the user
    notes: list[str] = field(default_factory=list)

    def shown_commands(self) -> list[str]:
        """The commands as the user would type them on that platform."""
        return [shown(c, self.platform) for c in self.commands]


def run_command(args: Sequence[str]) -> tuple[int, str]:
    """Run a service manager's command; its exit code and output."""
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise ServiceError(
            f"{args[0]} not found: this system does not run systemd",
            hint="start `aiusage daemon` from your desktop's autostart or your init system",
        ) from None
    return done.returncode, (done.stdout + done.stderr).strip()


def current_command() -> tuple[str, ...]:
    """The absolute path of the ``aiusage`` running now; ``python -m aiusage`` otherwise."""
    here = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if here is not None and here.stem == "aiusage" and here.is_file():
        return (str(here.absolute()),)
    beside = Path(sys.executable).parent / ("aiusage.exe" if os.name == "nt" else "aiusage")
    if beside.is_file():
        return (str(beside),)
    return (str(Path(sys.executable).absolute()), "-m", "aiusage")


# -- the files, as pure functions ---------------------------------------------------------
_PLAIN = re.compile(r"[A-Za-z0-9_@+=:,./-]+")


def systemd_quote(arg: str, expands: bool = True) -> str:
    """One word of a unit file: '%' starts a specifier, so it is doubled, and so is '$'
    where systemd ``expands`` variables (ExecStart=, not Environment=); anything beyond
    plain characters is double-quoted with C escapes."""
    text = arg.replace("%", "%%")
    if expands:
        text = text.replace("$", "$$")
    if _PLAIN.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(spec: ServiceSpec) -> str:
    """The user unit: started at login, restarted when it fails (not when stopped)."""
    env = "".join(f"Environment={systemd_quote(f'{k}={v}', expands=False)}\n" for k, v in spec.env)
    return (
        "[Unit]\n"
        f"Description={DESCRIPTION}\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={' '.join(systemd_quote(a) for a in spec.argv)}\n"
        f"{env}"
        "Restart=on-failure\n"
        f"RestartSec={RESTART_S}\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def launchd_plist(spec: ServiceSpec, log_dir: Path) -> str:
    """The launch agent: started at login, restarted when it exits with an error."""
    body: dict[str, object] = {
        "Label": LABEL,
        "ProgramArguments": list(spec.argv),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": RESTART_S,
        "StandardOutPath": str(log_dir / "daemon.log"),
        "StandardErrorPath": str(log_dir / "daemon.log"),
    }
    if spec.env:
        body["EnvironmentVariables"] = dict(spec.env)
    return plistlib.dumps(body, sort_keys=False).decode()


def schtasks_commands(spec: ServiceSpec) -> list[list[str]]:
    """Windows: the variables made permanent with ``setx`` (a task has no environment of
    its own), then a task that starts the daemon at logon."""
    setx = [["setx", k, v] for k, v in spec.env]
    run = subprocess.list2cmdline(list(spec.argv))
    create = ["schtasks", "/Create", "/F", "/TN", TASK, "/SC", "ONLOGON", "/RL", "LIMITED"]
    return [*setx, [*create, "/TR", run]]


def shown(command: Sequence[str], platform: str) -> str:
    """A command as the user would type it on that platform."""
    if platform == "win32":
        return subprocess.list2cmdline(list(command))
    import shlex

    return shlex.join(command)


# -- where they go ------------------------------------------------------------------------
def unit_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user" / UNIT


def plist_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"


# -- doing it -----------------------------------------------------------------------------
def install(spec: ServiceSpec, platform: str = sys.platform, run: Run = run_command) -> Outcome:
    if platform == "darwin":
        path = plist_path()
        log_dir = Path.home() / "Library" / "Logs" / "aiusage"
        return Outcome(
            platform,
            path,
            launchd_plist(spec, log_dir),
            [["mkdir", "-p", str(log_dir)], ["launchctl", "load", "-w", str(path)]],
        )
    if platform == "win32":
        return Outcome(platform, None, "", schtasks_commands(spec))
    path = unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # 0600: the environment may name a database URL with its password
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(systemd_unit(spec))
    os.chmod(path, 0o600)
    outcome = Outcome(platform, path, done=True)
    for command in (
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", UNIT],
    ):
        code, text = run(command)
        outcome.commands.append(command)
        if code != 0:
            raise ServiceError(
                f"`{shown(command, platform)}` failed ({code}): {text}",
                hint=f"the unit is written ({path}); fix the above, then run the command",
            )
    return outcome


def uninstall(platform: str = sys.platform, run: Run = run_command) -> Outcome:
    if platform == "darwin":
        path = plist_path()
        return Outcome(
            platform, path, "", [["launchctl", "unload", "-w", str(path)], ["rm", str(path)]]
        )
    if platform == "win32":
        return Outcome(platform, None, "", [["schtasks", "/Delete", "/F", "/TN", TASK]])
    path = unit_path()
    outcome = Outcome(platform, path, done=True)
    if not path.exists():
        outcome.notes.append(f"not installed ({path} does not exist)")
        return outcome
    stop = ["systemctl", "--user", "disable", "--now", UNIT]
    code, text = run(stop)
    outcome.commands.append(stop)
    if code != 0:  # not loaded, or no user manager: removing the file still uninstalls
        outcome.notes.append(f"`{shown(stop, platform)}` said: {text or code}")
    path.unlink()
    reload = ["systemctl", "--user", "daemon-reload"]
    run(reload)
    outcome.commands.append(reload)
    return outcome


def manager_state(platform: str = sys.platform, run: Run = run_command) -> dict[str, str]:
    """systemd's view of the unit (``is-enabled``, ``is-active``); empty elsewhere or when
    there is no unit or no systemctl."""
    if platform in ("darwin", "win32") or not unit_path().exists():
        return {}
    state = {}
    for question in ("is-enabled", "is-active"):
        try:
            _, text = run(["systemctl", "--user", question, UNIT])
        except ServiceError:
            return {}
        state[question.removeprefix("is-")] = text.splitlines()[-1] if text else "unknown"
    return state


def lock_holder(lock_path: Path) -> int | None:
    """The pid of the daemon holding ``lock_path`` (see ``daemon.DaemonLock``), or None.

    Asks for the lock without waiting and lets go at once: a daemon starting in that very
    instant would be refused, the price of knowing without a helper process."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the pid file is all there is
        return _pid_in(lock_path)
    try:
        handle = lock_path.open("r", encoding="utf-8")
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _pid_in(lock_path) or 0
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _pid_in(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
