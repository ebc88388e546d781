#!/usr/bin/env python3
"""Set up the development environment and run aiusage or its test suite (stdlib only).

    python3 dev.py run [ARGS...]    set up, then run `aiusage ARGS...`
    python3 dev.py test [ARGS...]   set up, then ruff, mypy and pytest (ARGS go to pytest)

Setting up means: find uv (on PATH, else install it into .venv-tools/ with pip),
then `uv sync --frozen --all-extras` into .venv/. The tests get a throwaway
PostgreSQL (see scripts/pg.py) unless AIUSAGE_TEST_POSTGRES_URL is already set, the
browser tests a Chromium (see scripts/browser.py; installed with apt-get when root), and
the tray's tests Qt's system libraries (scripts/qtlibs.py, likewise).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
TOOLS = ROOT / ".venv-tools"
PG_URL_VAR = "AIUSAGE_TEST_POSTGRES_URL"
USAGE = __doc__.split("\n\n")[1] if __doc__ else ""


class StepFailed(Exception):
    """A setup or test step exited non-zero."""

    def __init__(self, name: str, code: int) -> None:
        super().__init__(f"step '{name}' failed (exit {code})")
        self.code = code


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def call(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> int:
    """Run a command and return its exit code; never leave it running behind us."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env)
    try:
        return proc.wait()
    except BaseException as exc:
        # Ctrl-C in a terminal reaches the child too: give it a moment to clean up.
        # Otherwise (SIGTERM/SIGHUP to us) pass a SIGTERM on at once.
        if not isinstance(exc, KeyboardInterrupt):
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise


def check(name: str, cmd: Sequence[str], env: dict[str, str] | None = None) -> None:
    """Run a command, raising StepFailed if it fails."""
    code = call(cmd, env=env)
    if code != 0:
        raise StepFailed(name, code)


def child_env() -> dict[str, str]:
    """Environment for uv and the tools it runs."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)  # another activated venv only makes uv warn
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")  # use the machine's Python, fetch none
    env.setdefault("UV_SYSTEM_CERTS", "1")  # trust the OS certificate store, as pip does
    return env


def find_uv() -> str:
    """Return a uv executable: the one on PATH, else one pip-installed into .venv-tools/."""
    on_path = shutil.which("uv")
    if on_path:
        return on_path
    uv = TOOLS / "bin" / "uv"
    if uv.exists():
        return str(uv)
    log("uv not on PATH; installing it into .venv-tools/ with pip")
    python = TOOLS / "bin" / "python"
    if not python.exists():
        code = call([sys.executable, "-m", "venv", "--clear", str(TOOLS)])
        if code != 0:
            sys.exit(
                "dev.py: could not create a virtual environment with "
                f"`{sys.executable} -m venv`.\nOn Debian/Ubuntu install the venv module "
                "first: sudo apt-get install -y python3-venv"
            )
        (TOOLS / ".gitignore").write_text("*\n")
    check("pip install uv", [str(python), "-m", "pip", "install", "--quiet", "uv"])
    return str(uv)


def sync(quiet: bool) -> str:
    """Make .venv match uv.lock (a quick no-op when it already does); return uv's path."""
    started = time.monotonic()
    uv = find_uv()
    # Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on our CI
    # machines) every run would otherwise compile the dependencies' sources again (~0.3 s
    # for genai-prices' price table alone on a first scan).
    cmd = [uv, "sync", "--frozen", "--all-extras", "--compile-bytecode"]
    if not (VENV / "bin" / "python").exists():
        log("creating .venv (first run: this downloads the dependencies)")
        cmd += ["--python", sys.executable]
    if quiet:
        cmd.append("--quiet")
    check("uv sync", cmd, env=child_env())
    # Our own modules too (the statusline's 100 ms budget has no room for compiling them).
    call([str(VENV / "bin" / "python"), "-m", "compileall", "-q", str(ROOT / "src")])
    elapsed = time.monotonic() - started
    if not quiet or elapsed > 1:
        log(f"environment ready ({elapsed:.1f}s)")
    return uv


def run(args: Sequence[str]) -> int:
    """Set up, then replace this process with `aiusage ARGS`."""
    sync(quiet=True)
    exe = VENV / "bin" / "aiusage"
    if not exe.exists():
        log(f"{exe} is missing after uv sync")
        return 1
    sys.stdout.flush()
    os.execv(exe, [str(exe), *args])


def test(pytest_args: Sequence[str]) -> int:
    """Set up, then run ruff, mypy and pytest (against a throwaway PostgreSQL)."""
    uv = sync(quiet=False)
    sys.path.insert(0, str(ROOT / "scripts"))
    import pg  # scripts/pg.py

    env = child_env()
    own_pg = not env.get(PG_URL_VAR)
    if own_pg:
        try:
            pg.ensure_postgres()  # fail before linting if PostgreSQL can't be had
        except pg.PostgresError as exc:
            log(f"error: {exc}")
            return 1
    import browser  # scripts/browser.py

    try:
        # The web dashboard's tests drive a real Chromium: find it (or apt-get it as root)
        # before linting, and fail with the fix rather than skip those tests.
        env[browser.ENV_VAR] = str(browser.ensure_chromium())
    except browser.BrowserError as exc:
        log(f"error: {exc}")
        return 1
    import qtlibs  # scripts/qtlibs.py

    try:
        qtlibs.ensure_qt()  # the tray's tests run Qt offscreen: its system libraries and a font
    except qtlibs.QtLibsError as exc:
        log(f"error: {exc}")
        return 1

    uv_run = [uv, "run", "--frozen"]
    steps: list[tuple[str, list[str]]] = [
        ("ruff check", [*uv_run, "ruff", "check", "."]),
        ("ruff format --check", [*uv_run, "ruff", "format", "--check", "."]),
        ("mypy", [*uv_run, "mypy"]),
        ("pytest", [*uv_run, "pytest", *pytest_args]),
    ]
    timings: list[str] = []
    current = "setup"
    try:
        for name, cmd in steps:
            current = name
            print(f"\n==> {name}", file=sys.stderr, flush=True)
            started = time.monotonic()
            if name == "pytest" and own_pg:
                with pg.temporary_postgres() as url:
                    log(f"PostgreSQL up in {time.monotonic() - started:.1f}s: {url}")
                    check(name, cmd, env={**env, PG_URL_VAR: url})
            else:
                if name == "pytest":
                    log(f"using the PostgreSQL given by {PG_URL_VAR}")
                check(name, cmd, env=env)
            timings.append(f"{name} {time.monotonic() - started:.1f}s")
            log(f"{name}: ok ({time.monotonic() - started:.1f}s)")
    except StepFailed as exc:
        log(f"FAILED: {exc}; passed before it: {', '.join(timings) or 'none'}")
        return exc.code
    except pg.PostgresError as exc:
        log(f"FAILED: step '{current}': {exc}")
        return 1
    log(f"all steps passed: {', '.join(timings)}")
    return 0


def on_signal(signum: int, _frame: object) -> None:
    """Exit through the normal cleanup path on SIGTERM/SIGHUP."""
    log(f"got {signal.Signals(signum).name}, cleaning up")
    sys.exit(128 + signum)


def main(argv: Sequence[str]) -> int:
    """Dispatch `run` / `test`."""
    if sys.version_info < (3, 11):  # noqa: UP036  (a clear message on an old python3)
        log("aiusage needs Python 3.11 or newer")
        return 1
    # Turn SIGTERM/SIGHUP into an exception so that cleanups (PostgreSQL) run.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    if not argv or argv[0] not in ("run", "test"):
        print(USAGE, file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help", "help") else 2
    try:
        return run(argv[1:]) if argv[0] == "run" else test(argv[1:])
    except StepFailed as exc:
        log(f"FAILED: {exc}")
        return exc.code
    except KeyboardInterrupt:
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
