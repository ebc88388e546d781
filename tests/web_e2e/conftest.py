"""The dashboard in a real browser: Playwright drives Debian's Chromium against a real
``python -m aiusage serve`` subprocess on a free loopback port over a temp AIUSAGE_HOME.

Chromium comes from scripts/browser.py (``python3 dev.py test`` installs it as root);
without it these tests fail with the fix, never skip: a dashboard nobody looked at in a
browser is not tested.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from e2e_support import Server, start_server, stop_server
from playwright.sync_api import Browser, BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import browser as browser_script  # noqa: E402  (scripts/browser.py)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    try:
        path = browser_script.ensure_chromium(install=False)
    except browser_script.BrowserError as exc:
        pytest.fail(f"{exc}\n(`python3 dev.py test` installs it when run as root)", False)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(path), args=list(browser_script.ARGS))
        yield launched
        launched.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``serve(home, *args)`` starts a server; all are stopped at the end of the test."""
    started: list[Server] = []

    def start(home: Path | None = None, *args: str) -> Server:
        server = start_server(home or tmp_path / "home", *args)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()
