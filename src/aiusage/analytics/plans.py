"""Subscription plans as data: which windows each plan has and, where known, its size.

Providers publish the windows (a 5-hour session and a weekly allowance for Claude and
ChatGPT/Codex, a monthly premium-request allowance for Copilot) but not the sizes of the
Claude and ChatGPT ones. The sizes below are the community's estimates (claude-monitor's
presets for Claude; OpenAI's published ranges for Codex; GitHub's documented premium
request allowances for Copilot), so every number computed from them is labelled
``estimated``. Official readings (statusline, OAuth usage, Codex rate_limits) always win.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlanWindow:
    window: str  # '5h', '7d', 'month'
    minutes: int
    tokens: int | None = None  # input + output tokens (cache excluded), claude-monitor's unit
    cost_usd: float | None = None
    messages: int | None = None
    requests: int | None = None  # Copilot premium requests


@dataclass(frozen=True, slots=True)
class Plan:
    key: str
    agent: str  # the source whose usage counts against it
    label: str
    windows: tuple[PlanWindow, ...]
    note: str = ""


FIVE_HOURS = 300
WEEK = 10_080
MONTH = 43_200  # nominal; Copilot resets on the 1st of each month (UTC)

_CLAUDE_NOTE = "sizes are claude-monitor's estimates; Anthropic publishes none"
_CODEX_NOTE = "OpenAI publishes message ranges, not token sizes; use the official readings"

PLANS: dict[str, Plan] = {
    p.key: p
    for p in (
        Plan(
            "claude-pro",
            "claude-code",
            "Claude Pro",
            (PlanWindow("5h", FIVE_HOURS, 19_000, 18.0, 250), PlanWindow("7d", WEEK)),
            _CLAUDE_NOTE,
        ),
        Plan(
            "claude-max5",
            "claude-code",
            "Claude Max 5×",
            (PlanWindow("5h", FIVE_HOURS, 88_000, 35.0, 1_000), PlanWindow("7d", WEEK)),
            _CLAUDE_NOTE,
        ),
        Plan(
            "claude-max20",
            "claude-code",
            "Claude Max 20×",
            (PlanWindow("5h", FIVE_HOURS, 220_000, 140.0, 2_000), PlanWindow("7d", WEEK)),
            _CLAUDE_NOTE,
        ),
        Plan(
            "claude-team",
            "claude-code",
            "Claude Team",
            (PlanWindow("5h", FIVE_HOURS, 19_000, 18.0, 250), PlanWindow("7d", WEEK)),
            "assumed equal to Pro (unverified)",
        ),
        Plan(
            "chatgpt-plus",
            "codex",
            "ChatGPT Plus",
            (PlanWindow("5h", FIVE_HOURS, messages=45), PlanWindow("7d", WEEK)),
            _CODEX_NOTE + " (Plus: 45–225 local messages per 5 h)",
        ),
        Plan(
            "chatgpt-pro",
            "codex",
            "ChatGPT Pro",
            (PlanWindow("5h", FIVE_HOURS, messages=300), PlanWindow("7d", WEEK)),
            _CODEX_NOTE + " (Pro: 300–1,500 local messages per 5 h)",
        ),
        Plan(
            "chatgpt-business",
            "codex",
            "ChatGPT Business",
            (PlanWindow("5h", FIVE_HOURS, messages=45), PlanWindow("7d", WEEK)),
            _CODEX_NOTE + " (Business: as Plus per seat)",
        ),
        Plan("copilot-free", "copilot", "Copilot Free", (PlanWindow("month", MONTH, requests=50),)),
        Plan("copilot-pro", "copilot", "Copilot Pro", (PlanWindow("month", MONTH, requests=300),)),
        Plan(
            "copilot-pro-plus",
            "copilot",
            "Copilot Pro+",
            (PlanWindow("month", MONTH, requests=1_500),),
        ),
        Plan(
            "copilot-business",
            "copilot",
            "Copilot Business",
            (PlanWindow("month", MONTH, requests=300),),
            "per seat",
        ),
        Plan(
            "copilot-enterprise",
            "copilot",
            "Copilot Enterprise",
            (PlanWindow("month", MONTH, requests=1_000),),
            "per seat",
        ),
    )
}

_ALIASES = {
    "pro": "claude-pro",
    "max5": "claude-max5",
    "max20": "claude-max20",
    "team": "claude-team",
    "plus": "chatgpt-plus",
    "business": "chatgpt-business",
    "copilot": "copilot-pro",
}

#: claude-monitor's P90 prefers blocks that came close to one of these (known) limits.
COMMON_TOKEN_LIMITS = (19_000, 88_000, 220_000, 880_000)
P90_FLOOR = 19_000


def find_plan(name: str) -> Plan | None:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    return PLANS.get(_ALIASES.get(key, key))


def p90_limit(block_tokens: list[int]) -> int | None:
    """claude-monitor's "custom" limit: the 90th percentile of completed blocks' tokens,
    taken over the blocks that reached ≥ 95% of a common limit when there are any (they
    show where the real ceiling is), with a floor of the smallest plan's size."""
    if not block_tokens:
        return None
    near = [t for t in block_tokens if any(t >= 0.95 * lim for lim in COMMON_TOKEN_LIMITS)]
    sample = sorted(near or block_tokens)
    rank = 0.9 * (len(sample) - 1)
    low = int(rank)
    high = min(low + 1, len(sample) - 1)
    value = sample[low] + (sample[high] - sample[low]) * (rank - low)
    return max(round(value), P90_FLOOR)
