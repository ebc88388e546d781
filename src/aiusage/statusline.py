"""Claude Code's statusline hook: record what it tells us, answer from the store, fast.

Claude Code runs the statusline command after every message with a JSON object on stdin
(model, session, transcript path, its own session cost and — for subscribers, since 2.1.80
— ``rate_limits.five_hour`` / ``seven_day`` with ``used_percentage`` and ``resets_at`` in
epoch seconds). Those readings are the official limits, so they are stored as
observations. Only the session's own transcript is read (incrementally, from its cursor):
never a rescan of every log in the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiusage.analytics.limits import LimitRow, Reading, official_rows
from aiusage.records import Observation

if TYPE_CHECKING:
    from aiusage.app import App

ACCOUNT = "claude-code"
ORIGIN = "claude-statusline"
WINDOWS = {"five_hour": "5h", "seven_day": "7d"}


@dataclass(slots=True)
class StatusLine:
    model: str = ""
    session_cost: float | None = None
    today_cost: float = 0.0
    today_unpriced: int = 0
    five_hour: LimitRow | None = None
    seven_day: LimitRow | None = None
    block_cost: float | None = None  # the local 5-hour block, when no official reading
    block_ends_ms: int | None = None


def hook_observations(hook: Mapping[str, Any], now_ms: int) -> list[Observation]:
    """The official window readings in a statusline payload (none for API-key users)."""
    limits = hook.get("rate_limits")
    if not isinstance(limits, Mapping):
        return []
    found = []
    for key, window in WINDOWS.items():
        entry = limits.get(key)
        if not isinstance(entry, Mapping):
            continue
        used = _number(entry.get("used_percentage"))
        if used is None:
            continue
        resets = _number(entry.get("resets_at"))
        found.append(
            Observation.window_used(
                ts_ms=now_ms,
                account=ACCOUNT,
                window=window,
                value=used,
                resets_at_ms=_epoch_ms(resets) if resets is not None else None,
                source=ORIGIN,
            )
        )
    return found


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _epoch_ms(value: float) -> int:
    """Epoch seconds as documented; tolerate milliseconds."""
    return int(value if value > 1e11 else value * 1000)


def model_name(hook: Mapping[str, Any]) -> str:
    model = hook.get("model")
    if isinstance(model, Mapping):
        return str(model.get("display_name") or model.get("id") or "")
    return str(model or "")


def build(app: App, hook: Mapping[str, Any], now_ms: int) -> StatusLine:
    """Store the hook's readings, read the session's transcript, and sum up."""
    line = StatusLine(model=model_name(hook))
    observations = hook_observations(hook, now_ms)
    if observations:
        app.store.add_observations(observations)
    transcript = hook.get("transcript_path")
    if isinstance(transcript, str) and transcript:
        app.refresh_file(Path(transcript), "claude-code")
    cost = hook.get("cost")
    if isinstance(cost, Mapping):
        line.session_cost = _number(cost.get("total_cost_usd"))
    line.today_cost, line.today_unpriced = app.today_cost(now_ms, ("claude-code",))
    readings = [
        Reading(ACCOUNT, o.window, o.ts_ms, o.value, o.resets_at_ms, ORIGIN) for o in observations
    ] or app.latest_readings(ACCOUNT, now_ms)
    for row in official_rows(readings, now_ms):
        if row.window == "5h" and not row.note:
            line.five_hour = row
        elif row.window == "7d" and not row.note:
            line.seven_day = row
    if line.five_hour is None:
        active = [b for b in app.recent_blocks(("claude-code",), now_ms) if b.is_active]
        if active:
            line.block_cost = active[-1].totals.cost_usd
            line.block_ends_ms = active[-1].end_ms
    return line


def render(line: StatusLine, now_ms: int) -> str:
    """One compact line: model · session · today · 5-hour window · week."""
    parts = [line.model or "Claude"]
    if line.session_cost is not None:
        parts.append(f"session ${line.session_cost:,.2f}")
    today = f"today ${line.today_cost:,.2f}"
    parts.append(today + (" + ?" if line.today_unpriced else ""))
    if line.five_hour is not None and line.five_hour.used_percent is not None:
        text = f"5h {line.five_hour.used_percent:.0f}%"
        if line.five_hour.resets_at_ms:
            text += f" ⟳ {_left(line.five_hour.resets_at_ms, now_ms)}"
        parts.append(text)
    elif line.block_cost is not None and line.block_ends_ms is not None:
        parts.append(f"block ${line.block_cost:,.2f} ⟳ {_left(line.block_ends_ms, now_ms)}")
    if line.seven_day is not None and line.seven_day.used_percent is not None:
        parts.append(f"week {line.seven_day.used_percent:.0f}%")
    return " · ".join(parts)


def _left(until_ms: int, now_ms: int) -> str:
    minutes = max(until_ms - now_ms, 0) // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    return f"{hours}h{mins:02d}m" if hours else f"{mins}m"
