"""Helpers for the monitor's tests: a clock moved by hand, the app, and waiting for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from aiusage.app import AppContext, open_app
from aiusage.tui.monitor import TopApp
from aiusage.tui.widgets import Pane, SourcesTable

NOW = int(datetime(2026, 11, 24, 15, 30, tzinfo=UTC).timestamp() * 1000)  # a Tuesday


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
