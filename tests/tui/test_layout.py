"""What the monitor shows when there is little room, no data, no colour, or a question."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from tuitools import drive, settle, table

from aiusage.tui.help import KEYS, HelpScreen
from aiusage.tui.monitor import TopApp


def shown(app: TopApp, selector: str) -> bool:
    """Whether the widget takes part in the layout (CSS may hide it or an ancestor)."""
    node: Any = app.query_one(selector)
    while node is not None and node is not app.screen:
        if not node.display:
            return False
        node = node.parent
    return True


@pytest.mark.usefixtures("home")
def test_panes_give_way_as_the_terminal_shrinks() -> None:
    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        everything = ("#sources", "#block", "#budgets", "#alerts", "#chart")
        assert all(shown(app, s) for s in everything)
        assert "burn" in table(app).keys and "tok_month" in table(app).keys
        steps = [
            ((80, 24), {"#chart"}),  # narrow: no chart, budgets and alerts beside the block
            ((60, 20), {"#chart", "#budgets", "#alerts"}),  # the table and the block
            ((60, 14), {"#chart", "#budgets", "#alerts", "#block"}),  # the table alone
        ]
        for (width, height), hidden in steps:
            await pilot.resize_terminal(width, height)
            await settle(pilot)
            assert {s for s in everything if not shown(app, s)} == hidden, (width, height)
            assert table(app).row_count == 3
        assert table(app).keys == ["source", "status", "today", "month", "limit"]
        assert str(table(app).get_cell("codex", "status").plain) == "▲"  # mark alone
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        assert all(shown(app, s) for s in everything)
        assert "burn" in table(app).keys

    drive(check)


@pytest.mark.usefixtures("isolated_home")
def test_empty_store_says_what_to_do_next() -> None:
    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        assert app.screen.has_class("-empty")
        assert shown(app, "#empty") and not shown(app, "#sources")
        text = str(app.query_one("#empty").render())
        assert "aiusage accounts add" in text
        assert "aiusage sources" in text and "aiusage demo" in text

    drive(check)


WINDOW_BUTTONS = {"ff5f57", "febc2e", "28c840"}  # the screenshot's window frame, not us


def drawn(svg: str) -> set[str]:
    """Every colour the screenshot paints: text styles and cell backgrounds."""
    found = set(re.findall(r"fill: #([0-9a-f]{6})", svg))
    found |= set(re.findall(r"fill=\"#([0-9a-f]{6})\"", svg))
    return found - WINDOW_BUTTONS


@pytest.mark.usefixtures("home")
def test_no_color_leaves_only_grey(monkeypatch: pytest.MonkeyPatch) -> None:
    """With NO_COLOR the screen is drawn in greys only, and states still read from the
    marks and words (▲ warn, ✖ crit)."""
    monkeypatch.setenv("NO_COLOR", "1")

    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        assert app.no_color
        svg = app.export_screenshot()
        colours = drawn(svg)
        assert colours, "no colours found in the screenshot"
        for rgb in colours:
            r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
            assert max(r, g, b) - min(r, g, b) <= 4, f"#{rgb} is a colour"  # Rich: #c5c8c6
        assert str(table(app).get_cell("codex", "status").plain) == "▲ warn"

    drive(check)
    monkeypatch.delenv("NO_COLOR")

    async def coloured(app: TopApp, pilot: Pilot[Any]) -> None:
        svg = app.export_screenshot()
        hues = [rgb for rgb in drawn(svg) if len({rgb[0:2], rgb[2:4], rgb[4:6]}) > 1]
        assert hues, "the same screen without NO_COLOR has colours (the check can fail)"

    drive(coloured)


@pytest.mark.usefixtures("home")
def test_question_mark_opens_the_help_and_escape_closes_it() -> None:
    async def check(app: TopApp, pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        helped = {k for key, _ in KEYS for k in key.split(" / ")}
        bound = {b.key for b in app.BINDINGS if isinstance(b, Binding)}
        assert {"?" if k == "question_mark" else k for k in bound} <= helped  # every key
        assert all(f"{k} " in text for k in helped)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark", "question_mark")  # ? toggles it, too
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)

    drive(check)
