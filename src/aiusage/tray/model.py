"""What the tray shows, decided without Qt: status colour, icon text, tooltip, menu lines.

Why a pure module: everything a person reads in the tray is a function of the dashboard's
overview (``App.dashboard.overview()``), so it is tested on plain dicts in milliseconds,
and the Qt side (icon.py, controller.py) only paints and wires what this returns.

The three display modes follow the seed KDE widget's compact modes: ``badge`` is the
icon with a green/yellow/red status dot, ``cost`` draws today's spend into the icon, and
``count`` the number of active sources. The tooltip sums up the status, the totals and
what is wrong; the menu gets one line per source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Mode = Literal["badge", "cost", "count"]
MODES: tuple[Mode, ...] = ("badge", "cost", "count")

#: status -> badge colour (Material green 700, amber 700, red 700; grey: nothing known)
COLOURS = {
    "ok": "#388e3c",
    "warning": "#ffa000",
    "critical": "#d32f2f",
    "unknown": "#9e9e9e",
}
STATUS_WORDS = {"ok": "all good", "warning": "warning", "critical": "critical", "unknown": "?"}
MAX_LINES = 12  # menu lines; the rest are counted in one more line
MAX_PROBLEMS = 3  # tooltip lines naming what is wrong (Windows cuts tooltips at 127 chars)


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One menu line: a source, its status (for the dot) and what it says."""

    name: str
    status: str
    text: str


@dataclass(frozen=True, slots=True)
class TrayView:
    """Everything the tray paints. ``icon_text`` is None in badge mode."""

    status: str
    colour: str
    icon_text: str | None
    tooltip: str
    header: str
    lines: tuple[SourceLine, ...]
    paused: str | None  # "Alerts paused until 15:04", or None


def usd(value: float) -> str:
    """$1,234.56 — the tooltip's and menu's money."""
    return f"${value:,.2f}"


def compact_usd(value: float) -> str:
    """At most five characters, to fit in a 22-px icon: $0, $4.2, $42, $420, $4.2k, $42k."""
    if value < 0.05:
        return "$0"
    if value < 10:
        return f"${value:.1f}"
    if value < 999.5:
        return f"${value:.0f}"
    if value < 9_950:
        return f"${value / 1000:.1f}k"
    if value < 999_500:
        return f"${value / 1000:.0f}k"
    return f"${value / 1_000_000:.1f}M"


def is_active(card: dict[str, Any]) -> bool:
    """The seed's "connected providers", for our two kinds of source: an agent that was
    used today, or an enabled account whose last collection worked."""
    if card.get("kind") == "agent":
        return bool(card.get("tokens_today") or card.get("today_usd"))
    return card.get("last_success") is not None and card.get("status") != "critical"


def worst_limit(card: dict[str, Any]) -> tuple[str, float] | None:
    """The most used window of a card (its window name and percent), if any is known."""
    known = [
        (str(lim.get("window") or "limit"), float(lim["used_percent"]))
        for lim in card.get("limits", [])
        if isinstance(lim.get("used_percent"), int | float)
    ]
    return max(known, key=lambda w: w[1]) if known else None


def source_text(card: dict[str, Any]) -> str:
    """'claude-code — $2.12 today · $43.85 month · 5h 77%' (+ the problem, if any)."""
    parts = [f"{usd(float(card.get('today_usd') or 0))} today"]
    month = float(card.get("month_usd") or 0)
    if month:
        parts.append(f"{usd(month)} month")
    limit = worst_limit(card)
    if limit is not None:
        parts.append(f"{limit[0]} {limit[1]:.0f}%")
    balance = card.get("balance")
    if balance:
        parts.append(f"balance {balance['value']:,.2f} {balance.get('unit') or ''}".rstrip())
    text = f"{card['name']} — {' · '.join(parts)}"
    if card.get("status") != "ok" and card.get("message"):
        text += f" — {card['message']}"
    return text


def clock(iso: str | None) -> str:
    """'15:04' from an ISO 8601 time (in the zone it carries: the configured one)."""
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M")
    except ValueError:
        return iso


def build_view(
    overview: dict[str, Any] | None,
    mode: Mode = "badge",
    *,
    paused_until: str | None = None,
    error: str | None = None,
    note: str | None = None,
) -> TrayView:
    """The tray's picture of ``overview``. ``error``: the store could not be read (grey
    icon, the error in the tooltip). ``note``: one more tooltip line (e.g. that nothing
    collects in the background)."""
    paused = f"Alerts paused until {clock(paused_until)}" if paused_until else None
    if overview is None:
        text = "?" if mode != "badge" else None
        tooltip = "\n".join(filter(None, ["aiusage: no data", error, note]))
        return TrayView(
            "unknown", COLOURS["unknown"], text, tooltip, "aiusage: no data", (), paused
        )

    status = str(overview.get("status") or "unknown")
    status = status if status in COLOURS else "unknown"
    totals = overview.get("totals") or {}
    today = float(totals.get("today_usd") or 0)
    cards: list[dict[str, Any]] = list(overview.get("cards") or [])
    active = sum(1 for c in cards if is_active(c))

    icon_text = {"badge": None, "cost": compact_usd(today), "count": str(active)}[mode]
    header = (
        f"Today {usd(today)} · week {usd(float(totals.get('week_usd') or 0))}"
        f" · month {usd(float(totals.get('month_usd') or 0))}"
    )
    lines = [SourceLine(c["name"], str(c.get("status") or "ok"), source_text(c)) for c in cards]
    if len(lines) > MAX_LINES:
        rest = len(lines) - MAX_LINES + 1
        lines = [*lines[: MAX_LINES - 1], SourceLine("", "ok", f"… and {rest} more")]

    problems = [f"{c['name']}: {c['message']}" for c in cards if c.get("status") != "ok"]
    problems += [b for b in _budget_problems(overview) if not any(b in p for p in problems)]
    tip = [f"aiusage: {STATUS_WORDS[status]} · {active} active of {len(cards)} sources", header]
    tip += problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        tip.append(f"… and {len(problems) - MAX_PROBLEMS} more")
    tip += [t for t in (paused, note) if t]
    tip.append(f"Updated {clock(overview.get('generated_at'))}")
    return TrayView(
        status, COLOURS[status], icon_text, "\n".join(tip), header, tuple(lines), paused
    )


def _budget_problems(overview: dict[str, Any]) -> list[str]:
    out = []
    for b in overview.get("budgets") or []:
        if b.get("state") == "exceeded":
            out.append(f"budget {b['name']} exceeded")
        elif b.get("state") == "warning":
            out.append(f"budget {b['name']} at {float(b.get('percent') or 0):.0f}%")
    return out
