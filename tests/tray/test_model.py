"""What the tray shows, from overview dicts (no Qt)."""

from __future__ import annotations

from typing import Any

import pytest

from aiusage.tray.model import COLOURS, MAX_LINES, build_view, compact_usd, is_active


def card(name: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "kind": "agent",
        "provider": "anthropic",
        "status": "ok",
        "message": "",
        "today_usd": 0.0,
        "month_usd": 0.0,
        "tokens_today": 0,
        "limits": [],
        "budgets": [],
        "balance": None,
        "last_success": None,
    }
    return base | fields


def overview(
    status: str = "ok", cards: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "status": status,
        "generated_at": "2026-11-24T15:04:00+01:00",
        "totals": {"today_usd": 12.3, "week_usd": 40.0, "month_usd": 1388.44},
        "budgets": [],
        "cards": cards if cards is not None else [],
    } | extra


@pytest.mark.parametrize("status", ["ok", "warning", "critical"])
def test_the_status_picks_the_badge_colour_and_badge_mode_draws_no_text(status: str) -> None:
    view = build_view(overview(status), "badge")
    assert (view.status, view.colour, view.icon_text) == (status, COLOURS[status], None)


def test_cost_mode_draws_todays_total_and_count_mode_the_active_sources() -> None:
    cards = [
        card("claude-code", tokens_today=500, today_usd=2.0),
        card("codex"),  # not used today
        card("openai-work", kind="account", last_success="2026-11-24T15:00:00+01:00"),
        card("broken", kind="account", status="critical", last_success="2026-11-20T10:00:00Z"),
        card("new", kind="account"),  # never collected
    ]
    assert build_view(overview(cards=cards), "cost").icon_text == "$12"
    assert build_view(overview(cards=cards), "count").icon_text == "2"
    assert [is_active(c) for c in cards] == [True, False, True, False, False]


@pytest.mark.parametrize(
    ("usd", "shown"),
    [
        (0, "$0"),
        (0.04, "$0"),
        (0.42, "$0.4"),
        (4.24, "$4.2"),
        (42.4, "$42"),
        (420, "$420"),
        (999.4, "$999"),
        (999.6, "$1.0k"),
        (4242, "$4.2k"),
        (42_424, "$42k"),
        (4_242_424, "$4.2M"),
    ],
)
def test_costs_fit_in_five_characters(usd: float, shown: str) -> None:
    assert compact_usd(usd) == shown
    assert len(shown) <= 5


def test_the_tooltip_sums_up_status_totals_problems_and_the_time() -> None:
    cards = [
        card("codex", status="critical", message="5-hour window at 97%", tokens_today=1),
        card("claude-code", tokens_today=1),
    ]
    budgets = [
        {"name": "team", "state": "warning", "percent": 91.2},
        {"name": "codex-day", "state": "exceeded", "percent": 130.0},
    ]
    view = build_view(overview("critical", cards, budgets=budgets), "badge")
    assert view.tooltip.splitlines() == [
        "aiusage: critical · 2 active of 2 sources",
        "Today $12.30 · week $40.00 · month $1,388.44",
        "codex: 5-hour window at 97%",
        "budget team at 91%",
        "budget codex-day exceeded",
        "Updated 15:04",
    ]


def test_a_budget_already_named_on_a_card_is_not_repeated() -> None:
    cards = [card("codex", status="warning", message="budget codex-day at 85%")]
    budgets = [{"name": "codex-day", "state": "warning", "percent": 85.0}]
    view = build_view(overview("warning", cards, budgets=budgets))
    assert view.tooltip.count("codex-day") == 1


def test_one_menu_line_per_source_with_money_worst_window_balance_and_problem() -> None:
    cards = [
        card(
            "codex",
            status="critical",
            message="5-hour window at 97%",
            today_usd=1.5,
            month_usd=30.25,
            limits=[
                {"window": "5h", "used_percent": 97.4},
                {"window": "7d", "used_percent": 45.0},
                {"window": "month", "used_percent": None},
            ],
        ),
        card("openrouter", kind="account", balance={"value": 183.4827, "unit": "USD"}),
    ]
    lines = build_view(overview("critical", cards)).lines
    assert [(line.name, line.status) for line in lines] == [
        ("codex", "critical"),
        ("openrouter", "ok"),
    ]
    assert lines[0].text == ("codex — $1.50 today · $30.25 month · 5h 97% — 5-hour window at 97%")
    assert lines[1].text == "openrouter — $0.00 today · balance 183.48 USD"


def test_many_sources_end_in_a_count_of_the_rest() -> None:
    cards = [card(f"s{i}") for i in range(MAX_LINES + 5)]
    lines = build_view(overview(cards=cards)).lines
    assert len(lines) == MAX_LINES
    assert lines[-1].text == "… and 6 more"
    assert lines[-2].name == f"s{MAX_LINES - 2}"


def test_paused_alerts_and_notes_are_shown() -> None:
    view = build_view(overview(), paused_until="2026-11-24T16:04:00+01:00", note="Nothing collects")
    assert view.paused == "Alerts paused until 16:04"
    assert "Alerts paused until 16:04" in view.tooltip.splitlines()
    assert "Nothing collects" in view.tooltip.splitlines()


def test_without_an_overview_the_icon_is_grey_and_the_tooltip_says_why() -> None:
    view = build_view(None, "cost", error="cannot read the store: disk I/O error")
    assert view.status == "unknown"
    assert view.colour == COLOURS["unknown"]
    assert view.icon_text == "?"
    assert view.lines == ()
    assert "cannot read the store: disk I/O error" in view.tooltip
