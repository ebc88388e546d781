"""Limits: official readings with burn rate and run-out time, estimates from plans and
P90, and official readings winning over estimates."""

from __future__ import annotations

from aiusage.analytics.blocks import build_blocks
from aiusage.analytics.limits import Reading, estimated_rows, exhaustion, merge, official_rows
from aiusage.analytics.plans import PLANS, find_plan, p90_limit
from aiusage.store.queries import EventPoint

HOUR = 3_600_000
T0 = 1_794_000_000_000  # 2026-11-07T…Z, on an hour boundary below
T0 -= T0 % HOUR


def reading(minutes: float, value: float, resets: int | None, window: str = "5h") -> Reading:
    return Reading("codex", window, T0 + int(minutes * 60_000), value, resets, "codex")


def test_latest_reading_with_burn_rate_and_exhaustion() -> None:
    resets = T0 + 5 * HOUR
    rows = official_rows([reading(0, 10.0, resets), reading(30, 20.0, resets)], T0 + 40 * 60_000)
    (row,) = rows
    assert (row.used_percent, row.kind, row.resets_at_ms) == (20.0, "official", resets)
    assert row.burn_rate == 20.0  # 10 points in half an hour
    assert row.exhausts_at_ms == T0 + 30 * 60_000 + 4 * HOUR  # 80 points left at 20/h


def test_no_exhaustion_when_the_window_resets_first() -> None:
    resets = T0 + HOUR
    (row,) = official_rows([reading(0, 10.0, resets), reading(30, 12.0, resets)], T0 + 31 * 60_000)
    assert row.burn_rate == 4.0
    assert row.exhausts_at_ms is None


def test_rate_only_uses_readings_of_the_current_window() -> None:
    old, new = T0 + HOUR, T0 + 6 * HOUR
    readings = [reading(0, 90.0, old), reading(70, 1.0, new), reading(100, 4.0, new)]
    (row,) = official_rows(readings, T0 + 101 * 60_000)
    assert row.burn_rate == 6.0  # 3 points in 30 minutes; the 90% of the old window ignored


def test_a_window_that_reset_since_its_last_reading_shows_zero() -> None:
    (row,) = official_rows([reading(0, 80.0, T0 + HOUR)], T0 + 2 * HOUR)
    assert row.used_percent == 0.0
    assert row.resets_at_ms is None
    assert "reset" in row.note


def test_exhaustion_edges() -> None:
    assert exhaustion(100.0, None, 5, None) == 5
    assert exhaustion(50.0, 0.0, 5, None) is None
    assert exhaustion(50.0, 25.0, 0, None) == 2 * HOUR


def _points(*spec: tuple[int, int, float]) -> list[EventPoint]:
    return [
        EventPoint(T0 + m * 60_000, "claude-code", "m", tok, tok // 2, tok // 2, 0, 0, 0, cost)
        for m, tok, cost in spec
    ]


def test_plan_estimate_uses_the_most_used_allowance() -> None:
    plan = PLANS["claude-pro"]  # 19k tokens, $18, 250 messages per 5 h
    pts = _points((0, 9_500, 1.0), (60, 2_850, 9.8))  # 65% of tokens, 60% of $18, 2 messages
    now = T0 + 90 * 60_000
    blocks = build_blocks(pts, now)
    (row,) = estimated_rows(blocks, {"claude-code": plan}, now)
    assert row.kind == "estimated" and row.origin == "plan:claude-pro"
    assert row.used_percent == 65.0
    assert row.detail["limited_by"] == "tokens"
    assert row.resets_at_ms == T0 + 5 * HOUR
    assert row.burn_rate == 65.0  # 65% in the hour between the first and last event
    assert row.exhausts_at_ms == now + int(35 / 65 * HOUR)


def test_p90_of_past_blocks_when_no_plan_is_configured() -> None:
    spec = [(i * 600, 20_000 + i * 1_000, 0.1) for i in range(10)]  # 10 blocks, 10 h apart
    now = T0 + 5400 * 60_000 + 30 * 60_000
    blocks = build_blocks(_points(*spec), now)
    (row,) = estimated_rows(blocks, {}, now)
    assert row.origin == "p90" and row.kind == "estimated"
    finished = [20_000 + i * 1_000 for i in range(9)]  # the last block is active
    assert row.detail["limit"] == {"tokens": p90_limit(finished)}


def test_p90_prefers_blocks_near_a_known_limit_and_has_a_floor() -> None:
    assert p90_limit([]) is None
    assert p90_limit([100, 200]) == 19_000
    near = [87_000, 88_500, 90_000]
    assert p90_limit([5_000, 6_000, *near]) == round(88_500 + 0.8 * 1_500)


def test_official_readings_replace_estimates_of_the_same_window() -> None:
    resets = T0 + 5 * HOUR
    official = official_rows(
        [Reading("claude-code", "5h", T0, 42.0, resets, "claude-statusline")], T0 + 60_000
    )
    blocks = build_blocks(_points((0, 1_000, 0.1)), T0 + 60_000)
    estimated = estimated_rows(blocks, {"claude-code": PLANS["claude-max5"]}, T0 + 60_000)
    rows = merge(official, estimated)
    assert [(r.window, r.kind, r.used_percent) for r in rows] == [("5h", "official", 42.0)]


def test_plan_names_and_aliases() -> None:
    assert find_plan("max5") is PLANS["claude-max5"]
    assert find_plan("Claude Max20") is PLANS["claude-max20"]
    assert find_plan("copilot-pro-plus") is PLANS["copilot-pro-plus"]
    assert find_plan("nope") is None
    windows = {p.key: [w.window for w in p.windows] for p in PLANS.values()}
    assert windows["chatgpt-pro"] == ["5h", "7d"]
    assert windows["copilot-business"] == ["month"]
