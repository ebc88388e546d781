"""The monitor's views and keys, driven with Textual's pilot on a populated store.

Each key is pressed as a user would and the test checks what changed on screen against
what the app facade says, so a key that only flips a flag without redrawing fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from tuitools import NOW, cell, drive, facade, pane, row_keys, settle, table, topbar

from aiusage.tui.model import SORT_LABELS
from aiusage.tui.monitor import TopApp
from aiusage.tui.widgets import Pane

pytestmark = pytest.mark.usefixtures("home")


def test_table_shows_what_the_facade_says_per_source() -> None:
    cards = {c["name"]: c for c in facade(lambda a: a.dashboard.overview(NOW))["cards"]}

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        assert row_keys(app) == ["claude-code", "openai-work", "codex"]  # month $, largest first
        for name, card in cards.items():
            assert cell(app, name, "today") == f"${card['today_usd']:,.2f}"
            assert cell(app, name, "month") == f"${card['month_usd']:,.2f}"
        assert cell(app, "codex", "limit") == "91% 5h"
        assert cell(app, "codex", "resets") == "2h 10m"
        assert cell(app, "codex", "status") == "▲ warn"
        assert cell(app, "openai-work", "limit") == "42.50 USD"  # no window: the balance
        assert cell(app, "claude-code", "burn").endswith("/h")
        assert "today $5.75" in topbar(app) and "15:30:00 UTC" in topbar(app)

    drive(check)


def test_block_budgets_and_alerts_panes() -> None:
    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        block = pane(app, "block")
        assert block.startswith("claude-code  13:00 → 18:00  6 requests")
        assert "50%  2h 30m left" in block  # 13:00 → 18:00 at 15:30
        assert "Cost   $2.10 → " in block
        assert "Limit" in block and "(est.)" in block
        assert "also active: codex" in block
        budgets = pane(app, "budgets").splitlines()
        assert budgets[0].startswith("claude-daily") and "70%" in budgets[0]
        assert "$2.10 / $3.00" in budgets[0] and "→ $" in budgets[0]
        assert budgets[1].startswith("monthly") and "$257 / $400" in budgets[1]
        alerts = pane(app, "alerts")
        assert "15:30 ▲ codex 5h at 91%" in alerts

    drive(check)


def test_p_cycles_the_chart_period() -> None:
    week = facade(lambda a: a.dashboard.history("7d", now_ms=NOW))["totals"]["usd"]

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        chart = app.query_one("#chart", Pane)
        assert app.snap is not None and len(app.snap.chart.values) == 24
        assert "Cost per hour · last 24 h" in str(chart.border_title)
        await pilot.press("p")
        await settle(pilot)
        assert app.view.period == "7d" and app.snap.chart.bucket == "day"
        assert len(app.snap.chart.values) == 7
        assert sum(app.snap.chart.values) == pytest.approx(week)
        assert "Cost per day · 7 days" in str(chart.border_title)
        for expected in ("30d", "90d", "24h"):
            await pilot.press("p")
            await settle(pilot)
            assert app.view.period == expected
        assert len(app.snap.chart.values) == 24

    drive(check)


def test_m_switches_the_chart_between_cost_and_tokens() -> None:
    tokens = facade(lambda a: a.dashboard.history("24h", metric="tokens", now_ms=NOW))

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        await pilot.press("m")
        await settle(pilot)
        assert app.snap is not None and app.snap.chart.metric == "tokens"
        assert app.snap.chart.total == tokens["totals"]["tokens"]
        assert str(app.query_one("#chart", Pane).border_title).startswith("Tokens per hour")
        await pilot.press("m")
        await settle(pilot)
        assert app.snap.chart.metric == "cost"

    drive(check)


def test_s_and_a_choose_one_source_for_table_chart_and_block() -> None:
    codex = facade(lambda a: a.dashboard.history("24h", sources=("codex",), now_ms=NOW))

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        await pilot.press("s")
        await settle(pilot)
        assert app.view.source == "claude-code"  # sources in name order, then all again
        assert row_keys(app) == ["claude-code"]
        assert "claude-code only" in str(table(app).border_title)
        await pilot.press("s")
        await settle(pilot)
        assert app.view.source == "codex" and row_keys(app) == ["codex"]
        assert app.snap is not None and app.snap.chart.total == pytest.approx(
            codex["totals"]["usd"]
        )
        assert str(app.query_one("#chart", Pane).border_title).startswith("codex · Cost")
        assert pane(app, "block").startswith("codex  12:00 → 17:00")
        await pilot.press("S")
        await settle(pilot)
        assert app.view.source == "claude-code"
        await pilot.press("a")
        await settle(pilot)
        assert app.view.source is None and len(row_keys(app)) == 3
        assert app.snap.chart.total > codex["totals"]["usd"]

    drive(check)


def test_enter_shows_only_the_row_under_the_cursor_and_again_all() -> None:
    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.view.source == "openai-work" and row_keys(app) == ["openai-work"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.view.source is None and len(row_keys(app)) == 3

    drive(check)


def test_o_cycles_the_order_of_the_table() -> None:
    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        orders = {}
        for _ in range(5):
            await pilot.press("o")
            await pilot.pause()
            orders[app.view.sort] = row_keys(app)
            assert str(table(app).border_subtitle).endswith(f"sort: {SORT_LABELS[app.view.sort]}")
        assert orders == {
            "today": ["openai-work", "claude-code", "codex"],
            "tokens": ["claude-code", "openai-work", "codex"],
            "limit": ["codex", "claude-code", "openai-work"],
            "name": ["claude-code", "codex", "openai-work"],
            "month": ["claude-code", "openai-work", "codex"],
        }

    drive(check)
