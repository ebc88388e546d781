"""Where each agent stands against its subscription windows, and when it will run out.

Official readings (Claude Code's statusline, Anthropic's OAuth usage endpoint, Codex's
``rate_limits``, ChatGPT's usage endpoint) are used wherever one exists for a window that
has not reset since. Otherwise a window is estimated — from the configured plan's size, or
from a P90 of the agent's own past blocks — and labelled ``estimated``. Burn rates are
percent of the window per hour; ``exhausts_at`` is when 100% is reached at that pace, or
None when the window resets first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiusage.analytics.blocks import Block
from aiusage.analytics.plans import Plan, p90_limit

HOUR_MS = 3_600_000
MIN_SPAN_MS = 5 * 60_000  # readings closer than this give no usable rate
RESET_TOLERANCE_MS = 120_000  # readings of one window agree on its reset within this


@dataclass(frozen=True, slots=True)
class Reading:
    """One official 'percent used' reading of a window."""

    account: str
    window: str
    ts_ms: int
    value: float
    resets_at_ms: int | None
    source: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class LimitRow:
    source: str  # the agent or account: 'claude-code', 'codex', …
    window: str  # '5h', '7d', '7d-opus', 'month', …
    used_percent: float | None
    resets_at_ms: int | None
    kind: str  # 'official' | 'estimated'
    origin: str  # 'claude-statusline', 'claude-oauth', 'codex', 'plan:claude-max5', 'p90'
    observed_at_ms: int | None = None
    burn_rate: float | None = None  # percent of the window per hour
    exhausts_at_ms: int | None = None
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self, iso: Any) -> dict[str, Any]:
        return {
            "source": self.source,
            "window": self.window,
            "used_percent": None if self.used_percent is None else round(self.used_percent, 2),
            "resets_at": iso(self.resets_at_ms) if self.resets_at_ms else None,
            "kind": self.kind,
            "burn_rate": None if self.burn_rate is None else round(self.burn_rate, 3),
            "exhausts_at": iso(self.exhausts_at_ms) if self.exhausts_at_ms else None,
            "origin": self.origin,
            "observed_at": iso(self.observed_at_ms) if self.observed_at_ms else None,
            "note": self.note,
            **self.detail,
        }


def official_rows(readings: Sequence[Reading], now_ms: int) -> list[LimitRow]:
    """The latest reading of each (account, window), with a burn rate from the readings
    taken since the window last reset. ``readings`` must be in time order."""
    by_window: dict[tuple[str, str], list[Reading]] = {}
    for r in readings:
        by_window.setdefault((r.account, r.window), []).append(r)
    rows = []
    for (account, window), series in sorted(by_window.items()):
        latest = series[-1]
        row = LimitRow(
            source=account,
            window=window,
            used_percent=latest.value,
            resets_at_ms=latest.resets_at_ms,
            kind="official",
            origin=latest.source,
            observed_at_ms=latest.ts_ms,
        )
        if latest.resets_at_ms is not None and latest.resets_at_ms <= now_ms:
            row.used_percent = 0.0
            row.resets_at_ms = None
            row.note = "the window has reset since the last reading"
        else:
            current = [r for r in series if _same_window(r, latest)]
            row.burn_rate = _rate(current)
            row.exhausts_at_ms = exhaustion(
                latest.value, row.burn_rate, latest.ts_ms, latest.resets_at_ms
            )
        rows.append(row)
    return rows


def _same_window(r: Reading, latest: Reading) -> bool:
    if r.resets_at_ms is None or latest.resets_at_ms is None:
        return latest.ts_ms - r.ts_ms < HOUR_MS  # no reset times: the last hour only
    return abs(r.resets_at_ms - latest.resets_at_ms) <= RESET_TOLERANCE_MS


def _rate(series: Sequence[Reading]) -> float | None:
    """Percent per hour between the first and the last reading of the current window."""
    if len(series) < 2:
        return None
    first, last = series[0], series[-1]
    span = last.ts_ms - first.ts_ms
    if span < MIN_SPAN_MS:
        return None
    return max((last.value - first.value) / (span / HOUR_MS), 0.0)


def exhaustion(
    used: float, rate_per_hour: float | None, at_ms: int, resets_at_ms: int | None
) -> int | None:
    """When ``used`` reaches 100% at ``rate_per_hour``; None if never or not before reset."""
    if used >= 100:
        return at_ms
    if not rate_per_hour or rate_per_hour <= 0:
        return None
    when = at_ms + int((100 - used) / rate_per_hour * HOUR_MS)
    if resets_at_ms is not None and when >= resets_at_ms:
        return None
    return when


def estimated_rows(
    blocks: Sequence[Block],
    plans: Mapping[str, Plan],
    now_ms: int,
    month_requests: Mapping[str, int] | None = None,
    month_end_ms: int | None = None,
) -> list[LimitRow]:
    """Estimates from local usage: the configured plan's windows, else a P90 of the
    agent's past blocks for its 5-hour window (Claude Code only, as claude-monitor)."""
    rows: list[LimitRow] = []
    agents = {b.agent for b in blocks if not b.is_gap} | {p.agent for p in plans.values()}
    for agent in sorted(agents):
        agent_blocks = [b for b in blocks if b.agent == agent and not b.is_gap]
        active = next((b for b in agent_blocks if b.is_active), None)
        plan = plans.get(agent)
        if plan is not None:
            for w in plan.windows:
                if w.window == "5h" and (w.tokens or w.cost_usd or w.messages):
                    rows.append(
                        _block_row(
                            agent,
                            active,
                            now_ms,
                            w.tokens,
                            w.cost_usd,
                            w.messages,
                            f"plan:{plan.key}",
                        )
                    )
                elif w.window == "month" and w.requests and month_requests is not None:
                    used = month_requests.get(agent, 0) / w.requests * 100
                    rows.append(
                        LimitRow(
                            source=agent,
                            window="month",
                            used_percent=used,
                            resets_at_ms=month_end_ms,
                            kind="estimated",
                            origin=f"plan:{plan.key}",
                            note=plan.note,
                            detail={"limit": {"requests": w.requests}},
                        )
                    )
            if plan.note:
                for row in rows:
                    if row.source == agent and not row.note:
                        row.note = plan.note
        elif agent == "claude-code":
            done = [
                b.totals.input_tokens + b.totals.output_tokens
                for b in agent_blocks
                if not b.is_active
            ]
            limit = p90_limit(done)
            if limit is not None:
                row = _block_row(agent, active, now_ms, limit, None, None, "p90")
                row.note = "P90 of your past 5-hour blocks (no plan configured)"
                rows.append(row)
    return rows


def _block_row(
    agent: str,
    active: Block | None,
    now_ms: int,
    tokens: int | None,
    cost: float | None,
    messages: int | None,
    origin: str,
) -> LimitRow:
    """The 5-hour window estimated from the active block: the most used of the plan's
    token, cost and message allowances decides (the first to run out)."""
    limit = {k: v for k, v in (("tokens", tokens), ("cost_usd", cost), ("messages", messages)) if v}
    row = LimitRow(agent, "5h", 0.0, None, "estimated", origin, detail={"limit": limit})
    if active is None:
        return row
    t = active.totals
    used_by = {
        "tokens": (t.input_tokens + t.output_tokens) / tokens * 100 if tokens else 0.0,
        "cost_usd": t.cost_usd / cost * 100 if cost else 0.0,
        "messages": t.requests / messages * 100 if messages else 0.0,
    }
    key = max(used_by, key=lambda k: used_by[k])
    row.used_percent = used_by[key]
    row.resets_at_ms = active.end_ms
    row.observed_at_ms = now_ms
    minutes = ((active.actual_end_ms or now_ms) - (active.first_ms or now_ms)) / 60_000
    if minutes > 0 and row.used_percent > 0:
        row.burn_rate = row.used_percent / minutes * 60
    row.exhausts_at_ms = exhaustion(row.used_percent, row.burn_rate, now_ms, active.end_ms)
    row.detail["limited_by"] = key
    return row


def merge(official: list[LimitRow], estimated: list[LimitRow]) -> list[LimitRow]:
    """Official rows, plus the estimates for windows no current official reading covers."""
    covered = {(r.source, r.window) for r in official if not r.note}
    rows = official + [r for r in estimated if (r.source, r.window) not in covered]
    return sorted(rows, key=lambda r: (r.source, _window_order(r.window), r.kind))


def _window_order(window: str) -> tuple[int, str]:
    order = {"5h": 0, "7d": 1, "month": 3}
    return (order.get(window, 2), window)
