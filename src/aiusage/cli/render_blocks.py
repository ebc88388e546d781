"""Tables and the live view of five-hour blocks."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from aiusage.app import Block, limit_status
from aiusage.cli.common import Shown
from aiusage.cli.render import n, short_model, until, usd

STATUS_STYLE = {"ok": "green", "warning": "yellow", "exceeded": "red"}


def _end(shown: Shown, block: Block) -> str:
    """Only the time when the block ends on the day it started (the usual case)."""
    start, end = shown(block.start_ms), shown(block.end_ms)
    return end[-5:] if start[:-5] == end[:-5] else end


def render_blocks(
    console: Any, blocks: list[Block], shown: Shown, limits: dict[str, int], now_ms: int
) -> None:
    if not blocks:
        console.print(
            "[yellow]No blocks to show.[/] A block starts with the first request after a "
            "5-hour pause; try without --active/--recent, or a wider --since."
        )
        return
    table = Table(title="5-hour blocks", title_justify="left", header_style="bold")
    columns = ["Agent", "Start", "End", "Status", "Models", "Tokens", "Cost", "Burn rate"]
    if limits:
        columns.append("Limit")
    for name in columns:
        table.add_column(name, justify="right" if name in ("Tokens", "Cost", "Limit") else "left")
    for b in blocks:
        if b.is_gap:
            cells = [b.agent, shown(b.start_ms), _end(shown, b), "gap", "", "", "", ""]
            table.add_row(*cells, *([""] if limits else []), style="dim")
            continue
        rate = b.burn_rate()
        cells = [
            b.agent,
            shown(b.start_ms),
            _end(shown, b),
            "[green]active[/]" if b.is_active else "done",
            ", ".join(short_model(m) for m in sorted(b.models)),
            n(b.totals.total_tokens),
            usd(b.totals.cost_usd, b.totals.unpriced_events),
            f"{rate['tokens_per_minute']:,.0f}/min ${rate['cost_per_hour']:,.2f}/h" if rate else "",
        ]
        if limits:
            cells.append(_limit_cell(b, limits.get(b.agent), now_ms))
        table.add_row(*cells)
    console.print(table)
    if limits:
        console.print(
            "[dim]Limit: tokens used of "
            + ", ".join(f"{a} {n(v)}" for a, v in sorted(limits.items()))
            + " (the active block is judged on its projection).[/]"
        )


def _limit_cell(block: Block, limit: int | None, now_ms: int) -> str:
    status = limit_status(block, limit, now_ms)
    if status is None:
        return ""
    style = STATUS_STYLE[status["status"]]
    return f"[{style}]{status['used_percent']:.0f}%[/]"


def live_view(
    blocks: list[Block], shown: Shown, limits: dict[str, int], now_ms: int, interval: float
) -> RenderableType:
    """A panel per active block: time elapsed, tokens (against the limit), burn, projection."""
    if not blocks:
        return Panel(
            Text("No active block: nothing used in the last 5 hours.", style="dim"),
            title="aiusage blocks --live",
            subtitle=f"refreshing every {interval:g}s · Ctrl-C to quit",
        )
    panels: list[RenderableType] = []
    for b in blocks:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(justify="right", style="bold")
        grid.add_column()
        grid.add_column(justify="right")
        length = b.end_ms - b.start_ms
        elapsed = min(max(now_ms - b.start_ms, 0), length)
        grid.add_row(
            "Time",
            ProgressBar(total=length, completed=elapsed, width=40),
            f"{until(b.end_ms, now_ms)} left · ends {shown(b.end_ms)}",
        )
        limit = limits.get(b.agent)
        status = limit_status(b, limit, now_ms)
        if status is not None and limit:
            style = STATUS_STYLE[status["status"]]
            grid.add_row(
                "Tokens",
                ProgressBar(
                    total=limit,
                    completed=min(b.totals.total_tokens, limit),
                    width=40,
                    complete_style=style,
                ),
                f"{n(b.totals.total_tokens)} / {n(limit)} ({status['used_percent']:.0f}%)",
            )
        else:
            grid.add_row("Tokens", "", n(b.totals.total_tokens))
        grid.add_row("Cost", "", usd(b.totals.cost_usd, b.totals.unpriced_events))
        rate = b.burn_rate()
        if rate:
            grid.add_row(
                "Burn rate",
                "",
                f"{rate['tokens_per_minute']:,.0f}/min ${rate['cost_per_hour']:,.2f}/h",
            )
        projection = b.projection(now_ms)
        if projection:
            grid.add_row(
                "Projection",
                "",
                f"{n(int(projection['total_tokens']))} tokens · ${projection['cost_usd']:,.2f}",
            )
        grid.add_row("Models", "", ", ".join(short_model(m) for m in sorted(b.models)))
        panels.append(
            Panel(
                grid,
                title=f"{b.agent} — block since {shown(b.start_ms)}",
                subtitle=f"refreshing every {interval:g}s · Ctrl-C to quit",
            )
        )
    return Group(*panels)
