"""Snapshots of the monitor (pytest-textual-snapshot): the full view, small terminals, a
source with the tokens chart, the help, the empty state and NO_COLOR.

The clock is frozen at NOW and the store is built relative to it, so the screens are the
same on every run. After a deliberate change, look at the report and accept it with
``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from tuitools import new_app, settle

Compare = Callable[..., bool]


def after(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the first view, press ``keys`` (waiting for what each one loads)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize("size", [(120, 36), (80, 24), (60, 20)])
def test_monitor(snap_compare: Compare, size: tuple[int, int]) -> None:
    assert snap_compare(new_app(), terminal_size=size, run_before=after())


@pytest.mark.usefixtures("home")
def test_one_source_tokens_over_a_week(snap_compare: Compare) -> None:
    keys = ("s", "s", "m", "p", "o")  # codex, tokens, 7 days, sorted by today $
    assert snap_compare(new_app(), terminal_size=(120, 36), run_before=after(*keys))


@pytest.mark.usefixtures("home")
def test_help(snap_compare: Compare) -> None:
    assert snap_compare(new_app(), terminal_size=(100, 30), run_before=after("question_mark"))


@pytest.mark.usefixtures("isolated_home")
def test_empty(snap_compare: Compare) -> None:
    assert snap_compare(new_app(), terminal_size=(100, 30), run_before=after())


@pytest.mark.usefixtures("home")
def test_no_color(snap_compare: Compare, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(new_app(), terminal_size=(100, 30), run_before=after())
