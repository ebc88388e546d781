"""Open the web dashboard: reuse an ``aiusage serve`` already answering, or start one.

Why check first: the dashboard may already be up (the user ran ``aiusage serve``, or an
earlier click started it), and a second server on the same port would only fail. The
check is ``GET /healthz``, which every aiusage server answers without a token with
``{"status": "ok", "version": …}``. A server this module started is stopped with the
tray; one it found is left alone.

Qt-free (urllib and subprocess), so it is tested against real loopback servers.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

Launch = Callable[[Sequence[str], dict[str, str], Path], "subprocess.Popen[bytes]"]
START_TIMEOUT_S = 30.0  # the first start imports FastAPI and warms the store


class DashboardError(Exception):
    """The dashboard could not be started; the message says why (with the server's log)."""


def is_aiusage(url: str, timeout: float = 1.0) -> bool:
    """True when an aiusage server answers at ``url`` (its /healthz says so)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=timeout) as reply:
            body = json.loads(reply.read(4096) or b"{}")
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") == "ok" and "version" in body


def launch_detached(argv: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session (a Ctrl-C meant for the tray's terminal does not
    reach it), its output going to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(argv),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=sys.platform != "win32",
        )


class Dashboard:
    """The dashboard at ``host:port``, started with ``aiusage serve`` when not up."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8787,
        database_url: str | None = None,
        launch: Launch = launch_detached,
        executable: Sequence[str] = (sys.executable, "-m", "aiusage"),
    ) -> None:
        self.host, self.port = host, port
        self.database_url = database_url
        self._launch = launch
        self._executable = tuple(executable)
        self.process: subprocess.Popen[bytes] | None = None  # the server we started
        user = getpass.getuser()
        self.log = Path(tempfile.gettempdir()) / f"aiusage-serve-{user}-{port}.log"

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/"

    def command(self) -> list[str]:
        return [*self._executable, "serve", "--host", self.host, "--port", str(self.port)]

    def ensure(self, timeout_s: float = START_TIMEOUT_S) -> str:
        """The dashboard's URL once it answers, starting a server if none does."""
        if is_aiusage(self.url):
            return self.url
        if self.process is None or self.process.poll() is not None:
            env = dict(os.environ)
            if self.database_url:  # by environment: a password stays out of `ps`
                env["AIUSAGE_DATABASE_URL"] = self.database_url
            self.process = self._launch(self.command(), env, self.log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if is_aiusage(self.url, timeout=0.5):
                return self.url
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise DashboardError(f"aiusage serve exited ({code}): {self._log_tail()}")
            time.sleep(0.1)
        raise DashboardError(f"aiusage serve did not answer within {timeout_s:.0f} s")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the server this object started (one found running is not ours to stop)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return " / ".join(text.strip().splitlines()[-lines:]) or "(empty log)"
