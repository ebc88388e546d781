"""Five-hour blocks: ccusage's boundaries (hour floor, 5 h from start, gaps), per agent,
the active block, token limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiusage.analytics.blocks import build_blocks, limit_status, resolve_token_limit
from aiusage.store.queries import EventPoint

HOUR = 3_600_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def point(
    ts: str, tokens: int = 1000, source: str = "claude-code", cost: float = 0.5
) -> EventPoint:
    return EventPoint(
        ms(ts), source, "claude-sonnet-4-5", tokens, tokens // 2, tokens // 2, 0, 0, 0, cost
    )


def test_block_starts_at_the_hour_floor_and_lasts_five_hours() -> None:
    blocks = build_blocks(
        [point("2026-11-07T10:55:30"), point("2026-11-07T12:00:00")], ms("2026-11-08T00:00:00")
    )
    assert len(blocks) == 1
    assert (blocks[0].start_ms, blocks[0].end_ms) == (
        ms("2026-11-07T10:00:00"),
        ms("2026-11-07T15:00:00"),
    )
    assert blocks[0].totals.total_tokens == 2000
    assert not blocks[0].is_active


def test_an_event_exactly_five_hours_after_the_start_stays_in_the_block() -> None:
    pts = [
        point("2026-11-07T10:00:00"),
        point("2026-11-07T15:00:00"),
        point("2026-11-07T15:00:00.001"),
    ]
    blocks = build_blocks(pts, ms("2026-11-09T00:00:00"))
    assert [b.totals.events for b in blocks] == [2, 1]  # "more than 5 h" opens a new one
    assert blocks[1].start_ms == ms("2026-11-07T15:00:00")
    assert not any(b.is_gap for b in blocks)


def test_a_silence_longer_than_five_hours_makes_a_gap_block() -> None:
    pts = [point("2026-11-07T10:10:00"), point("2026-11-07T11:00:00"), point("2026-11-07T18:30:00")]
    blocks = build_blocks(pts, ms("2026-11-09T00:00:00"))
    assert [b.is_gap for b in blocks] == [False, True, False]
    gap = blocks[1]
    # ccusage draws the gap from 5 h after the last event to the next event
    assert (gap.start_ms, gap.end_ms) == (ms("2026-11-07T16:00:00"), ms("2026-11-07T18:30:00"))
    assert blocks[2].start_ms == ms("2026-11-07T18:00:00")


def test_active_block_burn_rate_and_projection() -> None:
    pts = [
        point("2026-11-07T10:00:00", 6000, cost=1.0),
        point("2026-11-07T11:00:00", 6000, cost=1.0),
    ]
    now = ms("2026-11-07T12:00:00")
    (block,) = build_blocks(pts, now)
    assert block.is_active
    rate = block.burn_rate()
    assert rate == {"tokens_per_minute": 200.0, "cost_per_hour": 2.0}
    projection = block.projection(now)
    assert projection is not None
    assert projection["remaining_minutes"] == 180
    assert projection["total_tokens"] == 12000 + 200 * 180
    assert projection["cost_usd"] == pytest.approx(2.0 + 6.0)


def test_block_is_inactive_after_five_silent_hours_even_before_its_end() -> None:
    (block,) = build_blocks([point("2026-11-07T10:00:00")], ms("2026-11-07T14:59:00"))
    assert block.is_active
    (block,) = build_blocks([point("2026-11-07T10:00:00")], ms("2026-11-07T15:00:00"))
    assert not block.is_active


def test_each_agent_has_its_own_blocks() -> None:
    pts = [
        point("2026-11-07T10:30:00", source="claude-code"),
        point("2026-11-07T12:10:00", source="codex"),
        point("2026-11-07T14:50:00", source="claude-code"),
        point("2026-11-07T16:20:00", source="codex"),
    ]
    blocks = build_blocks(pts, ms("2026-11-09T00:00:00"))
    by_agent = {(b.agent, b.start_ms): b.totals.events for b in blocks}
    assert by_agent == {
        ("claude-code", ms("2026-11-07T10:00:00")): 2,
        ("codex", ms("2026-11-07T12:00:00")): 2,
    }


def test_token_limit_max_is_the_largest_finished_block_per_agent() -> None:
    pts = [
        point("2026-11-05T10:00:00", 5000),
        point("2026-11-06T10:00:00", 9000),
        point("2026-11-07T10:00:00", 20000),  # active: not counted
        point("2026-11-06T10:00:00", 700, source="codex"),
    ]
    now = ms("2026-11-07T11:00:00")
    blocks = build_blocks(sorted(pts, key=lambda p: p.ts_ms), now)
    assert resolve_token_limit("max", blocks) == {"claude-code": 9000, "codex": 700}
    assert resolve_token_limit("50_000", blocks) == {"claude-code": 50000, "codex": 50000}
    assert resolve_token_limit(None, blocks) == {}
    with pytest.raises(ValueError, match="number or 'max'"):
        resolve_token_limit("lots", blocks)


def test_limit_status_judges_the_active_block_on_its_projection() -> None:
    pts = [point("2026-11-07T10:00:00", 3000), point("2026-11-07T10:30:00", 3000)]
    now = ms("2026-11-07T10:30:00")
    (block,) = build_blocks(pts, now)
    status = limit_status(block, 100_000, now)
    assert status is not None
    assert status["used_percent"] == 6.0
    # 200 tokens/min for the 270 minutes left: 6000 + 54000 = 60% → ok
    assert status["projected_percent"] == 60.0
    assert status["status"] == "ok"
    assert limit_status(block, 70_000, now)["status"] == "warning"  # type: ignore[index]
    assert limit_status(block, 50_000, now)["status"] == "exceeded"  # type: ignore[index]
