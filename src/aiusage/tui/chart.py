"""A bar chart in block characters, sized to whatever cells the pane has.

Why our own and not a plotting dependency: a usage chart here is one series of bars over
hours or days; eighth-block characters give eight steps per row, which reads well at a
few rows tall, and drawing it is a few lines. When there are more buckets than columns,
neighbouring buckets are summed (never dropped), so the chart's total stays the total.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rich.text import Text

from aiusage.tui.format import count, money
from aiusage.tui.model import Chart

LEVELS = " ▁▂▃▄▅▆▇█"


def merged(values: list[float], labels: list[str], columns: int) -> tuple[list[float], list[str]]:
    """At most ``columns`` buckets: each new one sums ``k`` neighbours, newest kept whole
    (grouped from the right, so the last bar is always the current hour or day)."""
    if len(values) <= columns or columns <= 0:
        return values, labels
    k = math.ceil(len(values) / columns)
    out_v: list[float] = []
    out_l: list[str] = []
    for end in range(len(values), 0, -k):
        start = max(0, end - k)
        out_v.append(sum(values[start:end]))
        out_l.append(labels[start])
    return out_v[::-1], out_l[::-1]


def axis_value(metric: str) -> Callable[[float], str]:
    return money if metric == "cost" else count


def render(chart: Chart, width: int, height: int) -> Text:
    """``height`` rows of bars, then a row of time labels; a value scale on the left."""
    fmt = axis_value(chart.metric)
    rows = max(1, height - 1)
    top = max(chart.values, default=0.0)
    gutter = max(len(fmt(top)), len(fmt(0.0))) + 1
    room = max(1, width - gutter)
    values, labels = merged(chart.values, chart.labels, room)
    n = max(1, len(values))
    bar_w = max(1, room // n)
    gap = 1 if bar_w >= 3 else 0
    text = Text(no_wrap=True, overflow="crop")
    for r in range(rows):
        level = rows - r  # 1-based row from the bottom
        label = fmt(top) if r == 0 else (fmt(0.0) if r == rows - 1 else "")
        text.append(label.rjust(gutter - 1) + " ", style="dim")
        for i, v in enumerate(values):
            eighths = 0 if top <= 0 else round(v / top * rows * 8)
            filled = eighths - (level - 1) * 8
            ch = LEVELS[max(0, min(8, filled))]
            if v > 0 and level == 1 and filled <= 0:
                ch = LEVELS[1]  # a non-zero bucket always shows
            style = "bold magenta" if i == len(values) - 1 else "cyan"
            text.append(ch * (bar_w - gap) + " " * gap, style=style)
        text.append("\n")
    text.append(" " * gutter)
    text.append(_time_axis(labels, bar_w, room), style="dim")
    return text


def _time_axis(labels: list[str], bar_w: int, room: int) -> str:
    """The first, a middle and the last bucket's label, under their bars."""
    cells = [" "] * room
    if not labels:
        return ""
    picks = sorted({0, len(labels) // 2, len(labels) - 1})
    for i in picks:
        label = labels[i]
        at = min(i * bar_w, room - len(label))
        if at < 0 or any(c != " " for c in cells[max(0, at - 1) : at + len(label) + 1]):
            continue
        cells[at : at + len(label)] = label
    return "".join(cells).rstrip()


def title(chart: Chart, source: str | None) -> str:
    """'[claude-code · ]Cost per hour · last 24 h · $60.05 · -15% vs previous' (the
    comparison last: it is what a narrow pane cuts)."""
    what = "Cost" if chart.metric == "cost" else "Tokens"
    span = {"24h": "last 24 h", "7d": "7 days", "30d": "30 days", "90d": "90 days"}
    total = axis_value(chart.metric)(chart.total)
    parts = [f"{what} per {chart.bucket}", span.get(chart.period, chart.period), total]
    if source:
        parts.insert(0, source)
    if chart.metric == "cost" and chart.change_percent is not None:
        parts.append(f"{chart.change_percent:+.0f}% vs previous")
    return " · ".join(parts)
