"""Helpers for the monitor's tests: a store built around a fixed moment, a clock moved by
hand, the app, waiting for it, and reading what it shows.

Everything is relative to NOW (Tuesday 2026-11-24 15:30 UTC), so the monitor's countdowns,
blocks, budgets and charts are the same on every run and snapshots can be compared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from aiusage.app import AppContext, open_app
from aiusage.records import Observation, UsageEvent
from aiusage.store import open_store
from aiusage.tui.monitor import TopApp
from aiusage.tui.widgets import Pane, SourcesTable

NOW = int(datetime(2026, 11, 24, 15, 30, tzinfo=UTC).timestamp() * 1000)  # a Tuesday
MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000

CONFIG = """
timezone = "UTC"

[accounts.openai-work]
provider = "openai"
key_env = "AIUSAGE_TEST_UNSET_KEY"

[budgets.monthly]
period = "monthly"
scope = "all"
limit = 400.0

[budgets.claude-daily]
period = "daily"
scope = "agent:claude-code"
limit = 3.0
"""


def event(source: str, ts: int, n: int, cost: float, model: str, provider: str) -> UsageEvent:
    return UsageEvent(
        ts_ms=ts,
        source=source,
        dedup_key=f"{source}-{ts}-{n}",
        model=model,
        provider=provider,
        project="shop",
        input_tokens=1_000 * n,
        output_tokens=400 * n,
        cache_read_tokens=5_000 * n,
        requests=1,
        reported_cost_usd=cost,
    )


def seed(url: str) -> None:
    """Three weeks of Claude Code, Codex and an OpenAI account; Claude busy in the last
    two hours (an active block), a Codex window at 91% resetting in 2 h 10 m, a balance."""
    store = open_store(url)
    events = []
    for day in range(1, 22):
        base = NOW - day * DAY
        for i in range(3):
            ts = base + i * HOUR
            events.append(
                event("claude-code", ts, 8 + i, 1.5 + i, "claude-sonnet-4-5", "anthropic")
            )
            events.append(event("codex", ts + 20 * MINUTE, 2, 0.4, "gpt-5-codex", "openai"))
        events.append(event("openai-work", base - 5 * HOUR, 10, 3.25, "gpt-4.1", "openai"))
    for minutes in (110, 95, 70, 50, 30, 12):  # the active block
        events.append(
            event("claude-code", NOW - minutes * MINUTE, 3, 0.35, "claude-sonnet-4-5", "anthropic")
        )
    events.append(event("codex", NOW - 3 * HOUR, 2, 0.4, "gpt-5-codex", "openai"))
    events.append(event("openai-work", NOW - 5 * HOUR, 10, 3.25, "gpt-4.1", "openai"))
    store.add_events(events)
    store.add_observations(
        [
            Observation.window_used(
                ts_ms=NOW - 5 * MINUTE,
                account="codex",
                window="5h",
                value=91.0,
                resets_at_ms=NOW + 2 * HOUR + 10 * MINUTE,
                source="codex",
            ),
            Observation(
                ts_ms=NOW - 5 * MINUTE,
                account="openai-work",
                metric="balance",
                value=42.5,
                unit="USD",
            ),
        ]
    )
    store.close()


def populate(home: Path, database_url: str | None = None) -> None:
    """Config, store (the default SQLite one unless a URL is given), and the alerts the
    budgets fired at NOW."""
    home.mkdir(parents=True, exist_ok=True)
    first = f'database_url = "{database_url}"\n' if database_url else ""
    (home / "config.toml").write_text(first + CONFIG, encoding="utf-8")
    app = open_app(AppContext())
    url = app.store.url
    app.close()
    seed(url)
    app = open_app(AppContext())
    app.alerts.check(now_ms=NOW, deliver=False)
    app.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def new_app(**options: Any) -> TopApp:
    """The monitor on the isolated home: frozen clock, no collector, a slow poll (tests
    that want it faster say so)."""
    settings: dict[str, Any] = {"clock": Clock(), "interval": 60.0, "collect": False}
    settings.update(options)
    return TopApp(AppContext(), **settings)


async def settle(pilot: Pilot[Any]) -> None:
    """Until every load on the data thread has finished and been drawn."""
    app = pilot.app
    assert isinstance(app, TopApp)
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.snap is not None and not len(app.workers):
            return
    raise AssertionError("the monitor never finished loading")


Scenario = Callable[[TopApp, Pilot[Any]], Awaitable[None]]


def drive(scenario: Scenario, size: tuple[int, int] = (120, 36), **options: Any) -> TopApp:
    """Run the monitor at ``size``, wait for its first view, then play ``scenario``."""
    app = new_app(**options)

    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(go())
    return app


def facade(fn: Callable[[Any], Any]) -> Any:
    """What the app facade answers on the same home (what the screen must agree with)."""
    app = open_app(AppContext())
    try:
        return fn(app)
    finally:
        app.close()


def table(app: TopApp) -> SourcesTable:
    return app.query_one(SourcesTable)


def row_keys(app: TopApp) -> list[str]:
    return [str(k.value) for k in table(app).rows]


def cell(app: TopApp, row: str, column: str) -> str:
    return str(table(app).get_cell(row, column).plain)


def pane(app: TopApp, name: str) -> str:
    return app.query_one(f"#{name}", Pane).render().plain


def topbar(app: TopApp) -> str:
    return str(app.query_one("#topbar").render())
