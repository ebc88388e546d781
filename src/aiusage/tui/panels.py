"""The monitor's panes as Rich text: status line, sources table cells, active block,
budgets, alerts and the empty state.

Pure functions of a snapshot, the clock and a width, so the once-a-second countdown
redraw is cheap and every pane can be checked without running the terminal app.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from aiusage.tui import format as f
from aiusage.tui.model import SORT_LABELS, Block, Budget, Snapshot, SourceRow, View, Window, ms

SEVERITY_MARK = {"info": "·", "warning": "▲", "critical": "✖"}
SEVERITY_STYLE = {"info": "", "warning": "yellow", "critical": "bold red"}
COLLECTOR = {
    "starting": ("starting the collector…", "dim"),
    "running": ("collecting here", "green"),
    "elsewhere": ("the daemon collects", "green"),
    "stopped": ("not collecting", "yellow"),
    "failed": ("collector failed", "bold red"),
    "off": ("not collecting (--no-collect)", "dim"),
}

# (key, label, right-aligned, the narrowest terminal it shows on)
COLUMNS = (
    ("source", "Source", False, 0),
    ("status", "Status", False, 0),
    ("today", "Today", True, 0),
    ("month", "Month", True, 0),
    ("tokens", "Tok today", True, 90),
    ("tok_month", "Tok month", True, 118),
    ("requests", "Req month", True, 110),
    ("limit", "Limit", True, 0),
    ("resets", "Resets in", True, 64),
    ("burn", "Burn", True, 90),
)
TICKING = ("resets",)  # columns that change with the clock alone
NARROW = 70  # under this many columns: shorter names, a status mark without its word


def columns(width: int) -> list[tuple[str, str, bool]]:
    return [(k, label, right) for k, label, right, least in COLUMNS if width >= least]


def cells(row: SourceRow, keys: list[str], now_ms: int, snap: Snapshot, width: int) -> list[Text]:
    """One table row, in the order of ``keys``."""
    return [cell(row, key, now_ms, snap, width) for key in keys]


def cell(row: SourceRow, key: str, now_ms: int, snap: Snapshot, width: int = 120) -> Text:
    lim = row.limit
    if key == "source":
        name = f.clip(row.name, 22 if width >= NARROW else 14)
        return Text(name, style="bold" if row.kind == "agent" else "")
    if key == "status":
        return f.status(row.status, short=width < NARROW)
    if key == "today":
        return Text(f.money(row.today_usd), style="" if row.today_usd else "dim")
    if key == "month":
        return Text(f.money(row.month_usd))
    if key == "tokens":
        return Text(f.count(row.tokens_today), style="" if row.tokens_today else "dim")
    if key == "tok_month":
        return Text(f.count(row.tokens_month))
    if key == "requests":
        return Text(f.count(row.requests_month))
    if key == "limit":
        if lim is None or lim.used_percent is None:
            return Text(row.balance or "—", style="dim" if not row.balance else "")
        style = f.level_style(lim.used_percent, snap.limit_warning, snap.limit_critical)
        return Text(f"{lim.used_percent:.0f}% {f.clip(lim.label, 8)}", style=style)
    if key == "resets":
        return Text(f.until(lim.resets if lim else None, now_ms), style="dim" if not lim else "")
    if key == "burn":
        return Text("—" if row.burn_usd_h is None else f"{f.money(row.burn_usd_h)}/h")
    raise KeyError(key)


def topbar(snap: Snapshot | None, now_ms: int, collector: str, note: str, width: int = 120) -> Text:
    """Status, totals, who collects, and the time in the zone the views use (the week
    and the clock give way on a narrow terminal)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if snap is None:
        return text.append("aiusage top · reading the store…", style="dim")
    text.append_text(f.status(snap.status))
    text.append("  today ", style="dim").append(f.money(snap.today_usd), style="bold")
    if width >= 100:
        text.append("  week ", style="dim").append(f.money(snap.week_usd))
    text.append("  month ", style="dim").append(f.money(snap.month_usd))
    said, style = COLLECTOR.get(collector, (collector, ""))
    if note:
        said, style = note, "italic"
    text.append(" │ ", style="dim").append(said if width >= 100 else said.split(" (")[0], style)
    if snap.generated is not None and width >= 90:
        local = datetime.fromtimestamp(now_ms / 1000, snap.generated.tzinfo)
        text.append(f" │ {local:%H:%M:%S} {snap.timezone}", style="dim")
    return text


def table_titles(view: View, row: SourceRow | None = None) -> tuple[str, str]:
    """The sources table's border title and subtitle: what is shown, in what order, and
    what is wrong with the row under the cursor (its status message)."""
    shown = f"Sources · {view.source} only (a: all)" if view.source else "Sources"
    keys = f"s source · o sort: {SORT_LABELS.get(view.sort, view.sort)}"
    if row is not None and row.message:
        keys = f"{row.name}: {f.clip(row.message, 60)} · {keys}"
    return shown, keys


def block(blocks: list[Block], view: View, now_ms: int, width: int, snap: Snapshot) -> Text:
    """The active 5-hour block of the chosen source (or the one nearest a limit): time
    gone, spend and tokens so far and projected to its end, its limit and burn rate."""
    shown = [b for b in blocks if view.source is None or b.agent == view.source]
    if not shown:
        who = view.source or "any source"
        return Text(f"No active block: {who} used nothing in the last 5 hours.", "dim")
    b, others = shown[0], shown[1:]
    bar_w = max(6, min(40, width - 30))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{b.agent}", style="bold")
    text.append(f"  {f.clock(b.start, now_ms)} → {f.clock(b.end, now_ms)}", style="dim")
    text.append(f"  {b.requests:,} request{'' if b.requests == 1 else 's'}\n", style="dim")
    span = max(1, ms(b.end) - ms(b.start))
    gone = min(1.0, max(0.0, (now_ms - ms(b.start)) / span))
    _line(text, "Time", f.bar(gone, bar_w, "blue"))
    text.append(f" {gone * 100:3.0f}%  {f.until(b.end, now_ms)} left\n")
    projected = b.projected_usd
    _line(text, "Cost", Text(f.money(b.cost_usd), style="bold"))
    if projected is not None:
        text.append(f" → {f.money(projected)} by the end", style="dim")
    text.append("\n")
    _line(text, "Tokens", Text(f.count(b.tokens)))
    if b.projected_tokens is not None:
        text.append(f" → {f.count(b.projected_tokens)} by the end", style="dim")
    text.append("\n")
    if b.window is not None and b.window.used_percent is not None:
        _limit(text, b.window, bar_w, now_ms, snap)
    rate = []
    if b.tokens_per_min is not None:
        rate.append(f"{f.count(b.tokens_per_min)} tokens/min")
    if b.usd_per_h is not None:
        rate.append(f"{f.money(b.usd_per_h)}/h")
    _line(text, "Burn", Text(" · ".join(rate) or "—"))
    if others and view.source is None:
        text.append("\nalso active: ", style="dim")
        text.append(", ".join(f"{o.agent} {f.money(o.cost_usd)}" for o in others), style="dim")
    return text


def _line(text: Text, label: str, value: Text) -> None:
    text.append(f"{label:<7}", style="dim").append_text(value)


def _limit(text: Text, w: Window, bar_w: int, now_ms: int, snap: Snapshot) -> None:
    used = float(w.used_percent or 0.0)
    style = f.level_style(used, snap.limit_warning, snap.limit_critical)
    _line(text, "Limit", f.bar(used / 100, bar_w, style))
    text.append(f" {used:3.0f}%", style=style)
    if w.kind == "estimated" and w.limit_tokens:
        text.append(f" of ~{f.count(w.limit_tokens)} (est.)", style="dim")
    text.append("\n" + " " * 7)
    if w.exhausts is not None and (w.resets is None or w.exhausts < w.resets):
        text.append(
            f"→ full {f.clock(w.exhausts, now_ms)}, in {f.until(w.exhausts, now_ms)} "
            "(before the reset)\n",
            style="bold red",
        )
    elif w.resets is not None:
        text.append(f"resets {f.clock(w.resets, now_ms)}, in {f.until(w.resets, now_ms)}\n", "dim")
    else:
        text.append("no reset time reported\n", style="dim")


def budgets(items: list[Budget], width: int) -> Text:
    """A bar per budget: spent of its limit, and where the forecast says it ends."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not items:
        return text.append("No budgets. Add one: aiusage budgets set NAME --limit 100", "dim")
    name_w = min(16, max(len(b.name) for b in items))
    bar_w = max(6, min(30, width - name_w - 42))
    for i, b in enumerate(items):
        pct = b.percent or 0.0
        style = f.BUDGET_STYLE.get(b.state, "")
        text.append(f"{f.clip(b.name, name_w):<{name_w}} ")
        text.append_text(f.bar(pct / 100, bar_w, style))
        text.append(f" {pct:3.0f}%", style=style)
        text.append(f" {b.spent}", style="dim")
        if b.state == "exceeded":
            text.append(" ✖ over", style="bold red")
        elif b.projected_usd is not None:
            text.append(f" → {f.dollars(b.projected_usd)}", style=style or "dim")
        if i < len(items) - 1:
            text.append("\n")
    return text


def alerts(snap: Snapshot, now_ms: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if snap.paused_until is not None:
        text.append(f"notifications paused until {f.clock(snap.paused_until, now_ms)}\n", "dim")
    if not snap.alerts:
        return text.append("No alerts.", style="dim")
    for i, a in enumerate(snap.alerts):
        style = SEVERITY_STYLE.get(a.severity, "")
        text.append(f"{f.clock(a.at, now_ms)} ", style="dim")
        text.append(f"{SEVERITY_MARK.get(a.severity, '·')} {a.title}", style=style)
        if i < len(snap.alerts) - 1:
            text.append("\n")
    return text


EMPTY = """\
[b]No AI usage recorded yet.[/b]

aiusage reads the logs your AI coding agents write (Claude Code, Codex, Gemini CLI,
OpenCode, Amp, Qwen, Kimi, Droid) and the usage APIs of provider accounts.

  • [b]Use an agent[/b]: its usage appears here by itself.
    [dim]aiusage sources[/dim] shows where each agent's logs are looked for.
  • [b]Add a provider account[/b] (OpenAI, Anthropic, OpenRouter, …):
    [dim]aiusage accounts add openai --name openai-work --key-stdin[/dim]
  • [b]Try it with made-up data[/b]: [dim]aiusage demo[/dim] in another terminal.

[dim]r reads the logs now · ? help · q quits[/dim]"""
