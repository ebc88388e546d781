"""Five-hour billing blocks with ccusage's semantics, one sequence per agent.

A block starts at its first event floored to the UTC hour and lasts ``hours``. An event
more than ``hours`` after the block's start, or after the previous event, opens a new
block; a silence longer than ``hours`` is shown as a gap block running from ``hours``
after the last event to the next event (as ccusage draws it). A block is active while now
is before its end and within ``hours`` of its last event. Each agent has its own
allowance, so each agent's events form their own blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiusage.analytics.totals import Totals
from aiusage.store.queries import EventPoint

HOUR_MS = 3_600_000
WARN_PERCENT = 80.0  # ccusage warns at 80% of the token limit


@dataclass(slots=True)
class Block:
    start_ms: int
    end_ms: int
    agent: str = ""
    is_gap: bool = False
    actual_end_ms: int | None = None
    first_ms: int | None = None
    totals: Totals = field(default_factory=Totals)
    models: set[str] = field(default_factory=set)
    is_active: bool = False

    def burn_rate(self) -> dict[str, float] | None:
        """Tokens per minute and USD per hour from the first to the last event."""
        if self.first_ms is None or self.actual_end_ms is None:
            return None
        minutes = (self.actual_end_ms - self.first_ms) / 60_000
        if minutes <= 0:
            return None
        return {
            "tokens_per_minute": self.totals.total_tokens / minutes,
            "cost_per_hour": self.totals.cost_usd / minutes * 60,
        }

    def projection(self, now_ms: int) -> dict[str, float] | None:
        """Where the block ends at the current burn rate (active blocks only)."""
        rate = self.burn_rate()
        if not self.is_active or rate is None:
            return None
        remaining = max(self.end_ms - now_ms, 0) / 60_000
        return {
            "total_tokens": self.totals.total_tokens + rate["tokens_per_minute"] * remaining,
            "cost_usd": self.totals.cost_usd + rate["cost_per_hour"] * remaining / 60,
            "remaining_minutes": remaining,
        }


def _add(block: Block, p: EventPoint) -> None:
    t = block.totals
    t.input_tokens += p.input_tokens
    t.output_tokens += p.output_tokens
    t.cache_read_tokens += p.cache_read_tokens
    t.cache_creation_tokens += p.cache_creation_tokens
    t.reasoning_tokens += p.reasoning_tokens
    t.requests += 1
    t.events += 1
    if p.cost_usd is None:
        t.unpriced_events += 1
    else:
        t.cost_usd += p.cost_usd
    block.models.add(p.model)
    block.first_ms = p.ts_ms if block.first_ms is None else block.first_ms
    block.actual_end_ms = p.ts_ms


def build_blocks(points: Sequence[EventPoint], now_ms: int, hours: int = 5) -> list[Block]:
    """Blocks of every agent in ``points`` (time-ordered), sorted by start then agent."""
    by_agent: dict[str, list[EventPoint]] = {}
    for p in points:
        by_agent.setdefault(p.source, []).append(p)
    blocks = [
        b for agent, pts in by_agent.items() for b in _agent_blocks(agent, pts, now_ms, hours)
    ]
    blocks.sort(key=lambda b: (b.start_ms, b.agent, b.is_gap))
    return blocks


def _agent_blocks(agent: str, points: list[EventPoint], now_ms: int, hours: int) -> list[Block]:
    length = hours * HOUR_MS
    blocks: list[Block] = []
    current: Block | None = None
    for p in points:
        if current is not None:
            last = current.actual_end_ms or current.start_ms
            if p.ts_ms - current.start_ms > length or p.ts_ms - last > length:
                blocks.append(current)
                if p.ts_ms - last > length:
                    blocks.append(
                        Block(start_ms=last + length, end_ms=p.ts_ms, agent=agent, is_gap=True)
                    )
                current = None
        if current is None:
            start = p.ts_ms - p.ts_ms % HOUR_MS
            current = Block(start_ms=start, end_ms=start + length, agent=agent)
        _add(current, p)
    if current is not None:
        last = current.actual_end_ms or current.start_ms
        current.is_active = now_ms < current.end_ms and now_ms - last < length
        blocks.append(current)
    return blocks


def resolve_token_limit(spec: str | None, blocks: Sequence[Block]) -> dict[str, int]:
    """Per-agent token limit from ``--token-limit``: a number, or ``max`` (the largest
    earlier block of that agent, as ccusage does). Empty when no limit was asked for."""
    if not spec:
        return {}
    agents = {b.agent for b in blocks if not b.is_gap}
    if spec.strip().lower() == "max":
        limits: dict[str, int] = {}
        for b in blocks:
            if b.is_gap or b.is_active:
                continue
            limits[b.agent] = max(limits.get(b.agent, 0), b.totals.total_tokens)
        return {a: v for a, v in limits.items() if v > 0}
    try:
        value = int(spec.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"--token-limit must be a number or 'max', not {spec!r}") from None
    if value <= 0:
        raise ValueError("--token-limit must be positive")
    return dict.fromkeys(agents, value)


def limit_status(block: Block, limit: int | None, now_ms: int) -> dict[str, Any] | None:
    """How a block stands against a token limit: used and projected percent, and
    ok / warning (≥ 80%) / exceeded — judged on the projection for the active block."""
    if not limit or block.is_gap:
        return None
    used = block.totals.total_tokens / limit * 100
    projection = block.projection(now_ms)
    projected = projection["total_tokens"] / limit * 100 if projection else used
    worst = max(used, projected)
    status = "exceeded" if worst >= 100 else "warning" if worst >= WARN_PERCENT else "ok"
    return {
        "limit": limit,
        "used_percent": round(used, 2),
        "projected_percent": round(projected, 2),
        "remaining_tokens": max(limit - block.totals.total_tokens, 0),
        "status": status,
    }


def block_json(
    block: Block, now_ms: int, iso: Any, token_limit: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "agent": block.agent,
        "start": iso(block.start_ms),
        "end": iso(block.end_ms),
        "actual_end": iso(block.actual_end_ms) if block.actual_end_ms else None,
        "is_active": block.is_active,
        "is_gap": block.is_gap,
    }
    out.update(block.totals.to_dict())
    out["models"] = sorted(block.models)
    out["burn_rate"] = block.burn_rate()
    out["projection"] = block.projection(now_ms)
    if token_limit:
        out["token_limit"] = limit_status(block, token_limit, now_ms)
    return out
