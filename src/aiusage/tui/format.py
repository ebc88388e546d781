"""How numbers, times and bars look in the terminal monitor.

Pure functions of their arguments (the clock is passed in), so the views render the same
on every run and the tests can check them without a terminal. Every state is spelled
with characters as well as colour: with ``NO_COLOR`` set the colours go, the meaning stays.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

FULL, EMPTY = "█", "░"
EIGHTHS = " ▏▎▍▌▋▊▉"
STATUS_MARK = {"ok": "●", "warning": "▲", "critical": "✖"}
STATUS_WORD = {"ok": "ok", "warning": "warn", "critical": "crit"}
STATUS_STYLE = {"ok": "green", "warning": "yellow", "critical": "bold red"}
BUDGET_STYLE = {"ok": "green", "warning": "yellow", "exceeded": "bold red"}


def money(usd: float | None) -> str:
    """$1,234.56; cents below $100 matter, above they are noise in a narrow column."""
    if usd is None:
        return "—"
    if abs(usd) >= 10_000:
        return f"${usd:,.0f}"
    return f"${usd:,.2f}"


def dollars(usd: float) -> str:
    """Whole dollars from $100 up: a budget line has no room for cents that don't matter."""
    return f"${usd:,.0f}" if abs(usd) >= 100 else f"${usd:,.2f}"


def count(n: float | None) -> str:
    """1.2k, 34.5M, 2.1B: token counts span nine orders of magnitude."""
    if n is None:
        return "—"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.1f}{suffix}"
    return f"{n:.0f}"


def duration(ms: float) -> str:
    """A countdown: '4d 03h', '2h 07m', '5m 09s', '42s'; '0s' once passed."""
    s = max(0, int(ms // 1000))
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


def until(at: datetime | None, now_ms: int) -> str:
    """'2h 07m' from now until ``at`` (the column or phrase says what happens then);
    'passed' when the reading is older than the time it named."""
    if at is None:
        return "—"
    left = at.timestamp() * 1000 - now_ms
    return duration(left) if left > -1000 else "passed"


def clock(at: datetime, now_ms: int) -> str:
    """'14:05' today, 'Wed 14:05' within the week, 'Nov 30 14:05' further, in ``at``'s
    own zone (the one the views were asked for)."""
    now = datetime.fromtimestamp(now_ms / 1000, at.tzinfo)
    days = abs((at.date() - now.date()).days)
    if days == 0:
        return at.strftime("%H:%M")
    return at.strftime("%a %H:%M" if days < 7 else "%b %d %H:%M")


def level_style(percent: float | None, warning: float, critical: float) -> str:
    if percent is None:
        return "dim"
    if percent >= critical:
        return "bold red"
    return "yellow" if percent >= warning else "green"


def bar(fraction: float, width: int, style: str = "", marker: float | None = None) -> Text:
    """A horizontal bar in eighth blocks; ``marker`` (a fraction) draws a '│' there, such
    as where a projection will end. Over 100% the bar is full and the excess is implied
    by the label beside it."""
    width = max(1, width)
    f = min(max(fraction, 0.0), 1.0)
    eighths = round(f * width * 8)
    full, part = divmod(eighths, 8)
    cells = [FULL] * full
    if part and full < width:
        cells.append(EIGHTHS[part])
    filled = len(cells)
    cells += [EMPTY] * (width - filled)
    if marker is not None and 0 <= marker <= 1:
        at = min(width - 1, int(marker * width))
        if at >= filled:
            cells[at] = "│"
    text = Text()
    text.append("".join(cells[:filled]), style=style or None)
    text.append("".join(cells[filled:]), style="dim")
    return text


def status(name: str, short: bool = False) -> Text:
    """'● ok', '▲ warn', '✖ crit': a mark and a word, so it reads without colour (the
    mark alone when ``short``: the three marks differ in shape too)."""
    mark = STATUS_MARK.get(name, "?")
    word = "" if short else f" {STATUS_WORD.get(name, name)}"
    return Text(mark + word, style=STATUS_STYLE.get(name, ""))


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
