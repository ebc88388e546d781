"""Token and cost sums with the one set of field names every report and export uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiusage.store.queries import AggRow


@dataclass(slots=True)
class Totals:
    """``input_tokens`` is uncached input; ``total_tokens`` = input + output + cache both ways."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0
    events: int = 0
    unpriced_events: int = 0  # events whose cost is unknown (not counted in cost_usd)

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_tokens
            + self.cache_read_tokens
        )

    def add(self, row: AggRow) -> None:
        self.input_tokens += row.input_tokens
        self.output_tokens += row.output_tokens
        self.cache_creation_tokens += row.cache_write_5m_tokens + row.cache_write_1h_tokens
        self.cache_read_tokens += row.cache_read_tokens
        self.reasoning_tokens += row.reasoning_tokens
        self.cost_usd += row.cost_usd
        self.requests += row.requests
        self.events += row.events
        self.unpriced_events += row.unpriced

    def merge(self, other: Totals) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_creation_tokens += other.cache_creation_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.cost_usd += other.cost_usd
        self.requests += other.requests
        self.events += other.events
        self.unpriced_events += other.unpriced_events

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_creation_tokens": self.cache_creation_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "requests": self.requests,
            "unpriced_requests": self.unpriced_events,
        }
