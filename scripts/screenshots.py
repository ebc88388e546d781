#!/usr/bin/env python3
"""Regenerate the README's dashboard screenshots from the demo home.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--keep DIR]

Builds a demo home (`aiusage demo --once`: 30 days of agent logs and eight accounts on
loopback fakes), adds two budgets and evaluates the alert rules so every page has
something to show, serves it with `aiusage serve --no-collect` on a free port and has
Chromium (scripts/browser.py) photograph the overview in light and dark, history,
budgets, limits, and the overview on a phone. Look at the pictures before committing them.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import browser  # noqa: E402  (scripts/browser.py)

#: (file, path, viewport, colour scheme, full page)
SHOTS = (
    ("overview-light.png", "/", (1280, 1100), "light", False),
    ("overview-dark.png", "/", (1280, 1100), "dark", False),
    ("history.png", "/history", (1280, 1372), "light", False),
    ("budgets.png", "/budgets", (1280, 1180), "light", False),
    ("limits.png", "/limits", (1280, 1000), "light", False),
    ("phone.png", "/", (390, 844), "dark", False),
)
DAYS = "75"  # enough history for the period comparison and the forecasts
TEAM_LIMIT = "5000"
WARN_AT = 0.88  # the weekly budget is set to be this full, so an alert shows


def aiusage(home: Path, *args: str) -> str:
    env = {**os.environ, "AIUSAGE_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"`aiusage {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def add_budgets(home: Path) -> None:
    """A monthly team budget with room left, and a weekly one for Claude Code sized from
    this week's spend so it is past its warning (the alert log gets an entry)."""
    aiusage(home, "budgets", "set", "team", "--limit", TEAM_LIMIT, "--period", "monthly")
    weekly = ("claude-weekly", "--period", "weekly", "--scope", "agent:claude-code")
    aiusage(home, "budgets", "set", *weekly, "--limit", "1000")
    rows = json.loads(aiusage(home, "budgets", "--json"))["budgets"]
    spent = next(r["spent_usd"] for r in rows if r["name"] == "claude-weekly")
    limit = max(round(spent / WARN_AT, 2), 1.0)
    aiusage(home, "budgets", "set", *weekly, "--limit", str(limit))
    aiusage(home, "alerts", "check")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"aiusage serve exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("aiusage serve did not come up in 30 s")


def photograph(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = browser.ensure_chromium()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(chromium), args=list(browser.ARGS))
        for name, path, (width, height), scheme, full in SHOTS:
            ctx = launched.new_context(
                viewport={"width": width, "height": height},
                color_scheme=scheme,  # type: ignore[arg-type]
                locale="en-US",
                timezone_id="UTC",
                device_scale_factor=2 if width < 500 else 1,
            )
            page = ctx.new_page()
            page.goto(url + path)
            page.wait_for_selector("body[data-ready]:not([data-loading])")
            page.wait_for_timeout(900)  # chart animations settle
            page.screenshot(path=str(out / name), full_page=full)
            print(f"wrote {out / name}")
            ctx.close()
        launched.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--keep", type=Path, help="build the demo home here and keep it")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aiusage-shots-") as tmp:
        home = args.keep or Path(tmp) / "demo"
        aiusage(home, "demo", "--once", "--home", str(home), "--days", DAYS)
        add_budgets(home)
        port = free_port()
        env = {**os.environ, "AIUSAGE_HOME": str(home)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "aiusage", "serve", "--port", str(port), "--no-collect"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_up(url, proc)
            photograph(url, args.out)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
