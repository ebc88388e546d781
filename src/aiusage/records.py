"""The two record kinds everything else is computed from.

A source produces them, the store keeps them, analytics reads them. This module imports
nothing of ours so that every layer may depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CostMode(StrEnum):
    """How reports choose between reported and calculated costs (ccusage's `--mode`)."""

    AUTO = "auto"  # reported where present, else calculated
    CALCULATE = "calculate"  # always calculated from tokens
    DISPLAY = "display"  # reported only; events without a reported cost count as $0


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """Something that was consumed: one API request, or one aggregated usage bucket.

    Token fields are the same for every source: ``input_tokens`` is *uncached* input,
    ``cache_write_*`` are cache creations by TTL, ``output_tokens`` includes reasoning and
    ``reasoning_tokens`` is the part of output known to be reasoning.
    """

    ts_ms: int  # UTC epoch milliseconds
    source: str  # 'claude-code', 'codex', 'openai', …
    dedup_key: str  # unique within a source; re-reading the same data upserts on it
    model: str = ""
    provider: str = ""
    account: str = ""
    project: str = ""
    session: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 1
    reported_cost_usd: float | None = None
    # Claude's sidechain rule needs the message id shared by copies of one response.
    group_key: str = ""
    sidechain: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def cache_creation_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    @property
    def total_tokens(self) -> int:
        """Input + output + cache writes + cache reads: the figure copies are ranked by."""
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """A reading of some state at a moment (rate-limit use, balance, window utilization)."""

    ts_ms: int
    account: str  # e.g. 'codex', 'claude-code', or a configured provider account name
    metric: str  # e.g. 'window_used_percent', 'balance_usd'
    value: float
    window: str = ""  # e.g. 'primary', 'secondary', '5h', '7d'
    limit: float | None = None
    unit: str = ""
    resets_at_ms: int | None = None
    source: str = ""
    kind: str = "official"  # 'official' (read from the provider) or 'estimated'
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def window_used(
        cls,
        *,
        ts_ms: int,
        account: str,
        window: str,
        value: float,
        resets_at_ms: int | None,
        source: str,
        meta: dict[str, Any] | None = None,
    ) -> Observation:
        """An official "percent of a subscription window used" reading — the one shape
        every limits source (logs, statusline, usage endpoints) reports, and limits read."""
        return cls(
            ts_ms=ts_ms,
            account=account,
            metric=WINDOW_USED_PERCENT,
            value=value,
            window=window,
            limit=100.0,
            unit="%",
            resets_at_ms=resets_at_ms,
            source=source,
            kind="official",
            meta=meta if meta is not None else {},
        )


WINDOW_USED_PERCENT = "window_used_percent"


@dataclass(frozen=True, slots=True)
class Account:
    """A provider account from the config file. Holds no key: only where to find one
    (``key_env``, else the OS keyring under the account's name)."""

    name: str
    provider: str
    base_url: str | None = None  # None: the provider's documented base URL
    key_env: str | None = None
    interval_s: int | None = None  # None: the provider's default
    enabled: bool = True
    options: dict[str, str] = field(default_factory=dict)
