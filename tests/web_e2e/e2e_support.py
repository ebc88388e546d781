"""Helpers for the browser tests: a real `aiusage serve` subprocess, console watching,
paint timings (see conftest.py for why a real browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, ConsoleMessage, Page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `aiusage serve`; ``log`` is what it printed (read when a test fails)."""

    url: str
    home: Path
    proc: subprocess.Popen[str]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def env_for(home: Path) -> dict[str, str]:
    """The environment of a subprocess on ``home``: never the user's own files, even from
    a module-scoped fixture set up before conftest's per-test isolation."""
    user = home.parent / "user-home"
    return {
        **os.environ,
        "AIUSAGE_HOME": str(home),
        "HOME": str(user),
        "XDG_CONFIG_HOME": str(user / ".config"),
        "XDG_DATA_HOME": str(user / ".local" / "share"),
        "AIUSAGE_NO_PLUGINS": "1",
        "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
        "AIUSAGE_TEST_KEYRING": str(home.parent / "keyring.json"),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")])
        ),
        "NO_COLOR": "1",
    }


def aiusage(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = env_for(home)
    return subprocess.run(
        [sys.executable, "-m", "aiusage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_server(home: Path, *args: str) -> Server:
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home.parent / f"serve-{port}.log"
    env = env_for(home)
    cmd = [sys.executable, "-m", "aiusage", "serve", "--port", str(port), *args]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
        )
    server = Server(f"http://127.0.0.1:{port}", home, proc, log_path)
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"aiusage serve exited {proc.returncode}:\n{server.log}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise AssertionError(f"aiusage serve did not answer /healthz in 30 s:\n{server.log}")
        time.sleep(0.1)


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@dataclass
class Console:
    """Console errors and uncaught exceptions of one page."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                self.errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        return page


def open_page(ctx: BrowserContext, url: str, console: Console | None = None) -> Page:
    """Open ``url`` and wait until its script has drawn it (body[data-ready])."""
    page = ctx.new_page()
    if console is not None:
        console.watch(page)
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    return page


def paint_ms(page: Page) -> dict[str, Any]:
    """Navigation to first contentful paint, and to the page's data drawn, in ms."""
    result: dict[str, Any] = page.evaluate(
        """() => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          const nav = performance.getEntriesByType('navigation')[0];
          return {fcp: fcp ? fcp.startTime : null,
                  dom: nav ? nav.domContentLoadedEventEnd : null,
                  ready: window.aiusageReadyAt || null};
        }"""
    )
    return result
