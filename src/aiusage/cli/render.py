"""Rich tables for reports. Numbers are grouped, costs in dollars, unknown costs said so."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from aiusage.app import KEYS, Period, Report, ReportRow, ScanReport, Summary, Totals

TITLES = {
    Period.DAILY: "Daily usage",
    Period.WEEKLY: "Weekly usage",
    Period.MONTHLY: "Monthly usage",
    Period.SESSION: "Usage by session",
}


def n(value: int) -> str:
    return f"{value:,}"


def until(ms: int | None, now_ms: int) -> str:
    """'2h05m' / '3d04h' from now to ``ms``."""
    if ms is None:
        return ""
    minutes = max(ms - now_ms, 0) // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return f"{days}d{hours:02d}h" if days else f"{hours}h{mins:02d}m"


def usd(value: float, unpriced: int = 0) -> str:
    text = f"${value:,.2f}"
    return f"{text} + ?" if unpriced else text


def _token_cells(t: Totals) -> list[str]:
    return [
        n(t.input_tokens),
        n(t.output_tokens),
        n(t.cache_creation_tokens),
        n(t.cache_read_tokens),
        n(t.total_tokens),
        usd(t.cost_usd, t.unpriced_events),
    ]


def _table(title: str, first: str, extra: Iterable[str] = ()) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", pad_edge=False)
    table.add_column(first, no_wrap=True)
    for name in extra:
        table.add_column(name)
    table.add_column("Models")
    for name in ("Input", "Output", "Cache write", "Cache read", "Total tokens", "Cost"):
        table.add_column(name, justify="right", no_wrap=True)
    return table


def _add_rows(table: Table, period: Period, rows: list[ReportRow], breakdown: bool) -> None:
    for row in rows:
        extra = [row.key]
        if period is Period.SESSION:
            extra.append(next(iter(sorted(row.projects)), ""))
        table.add_row(
            *extra, ", ".join(short_model(m) for m in row.models), *_token_cells(row.totals)
        )
        if breakdown and len(row.by_model) > 0:
            for model, totals in sorted(row.by_model.items()):
                blanks = [""] * (len(extra) - 1)
                table.add_row(
                    "", *blanks, f"  └ {short_model(model)}", *_token_cells(totals), style="dim"
                )


def short_model(model: str) -> str:
    """claude-sonnet-4-5-20250929 → sonnet-4-5 (the date suffix adds nothing in a table)."""
    name = model.removeprefix("claude-")
    parts = name.rsplit("-", 1)
    if len(parts) == 2 and parts[1].isdigit() and len(parts[1]) == 8:
        name = parts[0]
    return name


def render_report(
    console: Console, report: Report, tz: str, breakdown: bool, label: str = ""
) -> None:
    _, row_key = KEYS[report.period]
    first = {"date": "Date", "week": "Week of", "month": "Month", "session_id": "Session"}[row_key]
    extra = ["Project"] if report.period is Period.SESSION else []
    title = f"{TITLES[report.period]}{label} ({tz})"
    if report.by_project is not None:
        for project, rows in report.by_project.items():
            table = _table(f"{title} — {project}", first, extra)
            _add_rows(table, report.period, rows, breakdown)
            console.print(table)
    else:
        table = _table(title, first, extra)
        _add_rows(table, report.period, report.rows, breakdown)
        table.add_section()
        table.add_row("Total", *[""] * len(extra), "", *_token_cells(report.totals), style="bold")
        console.print(table)
    if report.unpriced_models:
        names = ", ".join(
            f"{m} ({c:,} requests)" for m, c in sorted(report.unpriced_models.items())
        )
        console.print(
            f"[yellow]No known price for: {names}. Their cost is not included (shown as "
            "'+ ?'); add a \\[pricing.models] entry to the config file to price them.[/]"
        )


def render_summary(console: Console, summary: Summary) -> None:
    table = Table(
        title=f"AI usage — {summary.today.isoformat()} ({summary.tz})",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("Source")
    for name in ("Today", "This week", "This month", "Tokens this month"):
        table.add_column(name, justify="right")
    agents = sorted({a for p in summary.periods.values() for a in p})
    for agent in agents:
        cells = []
        for period in ("today", "week", "month"):
            t = summary.periods[period].get(agent)
            cells.append(usd(t.cost_usd, t.unpriced_events) if t else "$0.00")
        month = summary.periods["month"].get(agent)
        cells.append(n(month.total_tokens) if month else "0")
        table.add_row(agent, *cells)
    if len(agents) > 1:
        totals = []
        for period in ("today", "week", "month"):
            t = Totals()
            for v in summary.periods[period].values():
                t.merge(v)
            totals.append(t)
        table.add_section()
        table.add_row(
            "Total",
            *(usd(t.cost_usd, t.unpriced_events) for t in totals),
            n(totals[2].total_tokens),
            style="bold",
        )
    console.print(table)


def render_scan_notes(console: Console, scan: ScanReport, verbose: bool) -> None:
    """Skipped lines and failures, briefly — or in full with --verbose."""
    if verbose:
        console.print(
            f"[dim]scanned {scan.files_seen:,} files, read {scan.bytes_read / 1e6:,.1f} MB "
            f"from {scan.files_read:,}, wrote {scan.events_written:,} events in "
            f"{scan.seconds:.2f}s[/]"
        )
    for error in scan.errors:
        console.print(f"[red]could not read {error}[/]")
    bad = scan.malformed
    if not bad:
        return
    files = [f for s in scan.sources for f in s.malformed_files]
    if verbose:
        console.print(f"[yellow]Skipped {bad:,} malformed or truncated lines:[/]")
        for path, count in sorted(files):
            console.print(f"  {count:>6,}  {path}")
    else:
        console.print(
            f"[dim]Skipped {bad:,} malformed or truncated lines in {len(files):,} files "
            "(--verbose names them).[/]"
        )
