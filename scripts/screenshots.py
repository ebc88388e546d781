#!/usr/bin/env python3
"""Regenerate the README's dashboard screenshots from the demo home.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--keep DIR]

Builds a demo home (`aiusage demo --once`: 30 days of agent logs and eight accounts on
loopback fakes), adds two budgets and evaluates the alert rules so every page has
something to show, serves it with `aiusage serve --no-collect` on a free port and has
Chromium (scripts/browser.py) photograph the overview in light and dark, history,
budgets, limits, and the overview on a phone. Then it makes the home a small team
server — seven people in three departments added with `aiusage team users add`, three
weeks of their agents' usage pushed to `POST /api/v1/team/push` with each one's own
token, a department pool, a team budget and a quota — and photographs /team with one
member's detail open. Look at the pictures before committing them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
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
TEAM_SHOT = ("team.png", "/team#member=lena", (1280, 1500), "light", False)
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


#: name, role, department, agents' daily events on a workday, projects, leaderboard, hides
PEOPLE = (
    ("maya", "admin", "platform", 34, ("infra", "deploy-tools"), True, False),
    ("omar", "member", "platform", 18, ("infra",), False, False),
    ("lena", "member", "product", 52, ("checkout", "mobile-app"), True, False),
    ("raj", "member", "product", 40, ("checkout", "search"), True, False),
    ("sofia", "member", "product", 26, ("mobile-app",), True, False),
    ("tom", "member", "product", 22, ("stealth-pricing",), False, True),
    ("priya", "member", "data", 30, ("data-pipeline", "forecast"), True, False),
    ("jonas", "viewer", "finance", 0, (), False, False),
)
#: source, provider, model, weight
AGENTS = (
    ("claude-code", "anthropic", "claude-sonnet-4-5", 6),
    ("claude-code", "anthropic", "claude-opus-4-1", 1),
    ("codex", "openai", "gpt-5-codex", 3),
    ("gemini", "google", "gemini-2.5-pro", 1),
)
TEAM_DAYS = 21


def team_events(rng: random.Random, name: str, daily: int, projects: tuple[str, ...]) -> list[dict]:
    """Three weeks of one member's agent turns: busier on workdays, cache-heavy like
    Claude Code's, the costs left to the server (it prices what it stores)."""
    rows: list[dict] = []
    now = int(time.time() * 1000)
    for day in range(TEAM_DAYS):
        start = now - day * 86_400_000
        weekday = time.gmtime(start / 1000).tm_wday < 5
        count = int(daily * rng.uniform(0.5, 1.3) * (1 if weekday else 0.15))
        for n in range(count):
            source, provider, model, _ = rng.choices(AGENTS, [a[3] for a in AGENTS])[0]
            ts = start - rng.randint(0, 9 * 3_600_000) if day else now - rng.randint(0, 7_200_000)
            inp, out = rng.randint(1_500, 30_000), rng.randint(200, 3_500)
            cached = rng.randint(10_000, 160_000) if source == "claude-code" else 0
            rows.append(
                {
                    "source": source,
                    "dedup_key": f"{name}:{day}:{n}",
                    "ts_ms": ts,
                    "account": "",
                    "provider": provider,
                    "model": model,
                    "project": rng.choice(projects),
                    "session": f"{name}-{day}-{n // 8}",
                    "input_tokens": inp,
                    "output_tokens": out,
                    "cache_read_tokens": cached,
                    "cache_write_5m_tokens": cached // 20,
                    "cache_write_1h_tokens": 0,
                    "reasoning_tokens": 0,
                    "total_tokens": inp + out + cached + cached // 20,
                    "requests": 1,
                    "cost_reported_usd": None,
                    "cost_calc_usd": None,
                    "group_key": "",
                    "sidechain": 0,
                    "meta": "{}",
                }
            )
    return rows


def push(url: str, token: str, machine: str, events: list[dict]) -> None:
    """What a member's aiusage does after a collection: one gzip batch, its own token."""
    for first in range(0, len(events), 5000):
        body = {
            "version": 1,
            "machine": machine,
            "batch": f"shots-{machine}-{first}",
            "events": events[first : first + 5000],
            "observations": [],
        }
        request = urllib.request.Request(
            url + "/api/v1/team/push",
            data=gzip.compress(json.dumps(body).encode()),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()


def seed_team(home: Path, url: str) -> None:
    """The demo home as a team server: its people, their pushes, pools and a quota."""
    rng = random.Random(5)
    for name, role, dept, daily, projects, board, hide in PEOPLE:
        email = ("--email", f"{name}@example.com") if role != "viewer" else ()
        add = ("team", "users", "add", name, "--role", role, "--department", dept)
        made = aiusage(home, *add, "--label", f"{name}-laptop", *email, "--json")
        token = json.loads(made)["token"]
        flags = ["--leaderboard"] if board else []
        flags += ["--hide-projects"] if hide else []
        if flags:
            aiusage(home, "team", "users", "set", name, *flags)
        events = team_events(rng, name, daily, projects) if daily else []
        if name == "lena":  # two machines: a token each, and the evenings on the desktop
            second = aiusage(home, "team", "tokens", "add", name, "--label", "lena-desktop", "-j")
            desk = [e for e in events if time.gmtime(e["ts_ms"] / 1000).tm_hour >= 19]
            push(url, json.loads(second)["token"], "lena-desktop", desk)
            events = [e for e in events if e not in desk]
        if events:
            push(url, token, f"{name}-laptop", events)
    aiusage(
        home, "budgets", "set", "product-pool", "--limit", "900", "--scope", "department:product"
    )
    aiusage(home, "budgets", "set", "everyone", "--limit", "2500", "--scope", "team")
    aiusage(home, "budgets", "set", "lena-quota", "--limit", "260", "--scope", "user:lena")
    aiusage(home, "team", "cost-centres", "set", "checkout", "retail")


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


def photograph(url: str, out: Path, shots: tuple[tuple, ...] = SHOTS) -> None:
    from playwright.sync_api import sync_playwright

    chromium = browser.ensure_chromium()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(chromium), args=list(browser.ARGS))
        for name, path, (width, height), scheme, full in shots:
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
            seed_team(home, url)  # after the others: their pages would show the team too
            photograph(url, args.out, (TEAM_SHOT,))
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
