"""``aiusage limits``: every subscription window, official where possible, and run-out time."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aiusage.app import PLANS, App, LimitRow
from aiusage.cli import options as o
from aiusage.cli.common import Shown, dump, err, iso_in, out, refresh, shown_in, with_app
from aiusage.cli.render import until
from aiusage.cli.watch import Watch, refuse_json
from aiusage.cli.watch import watch as redraw

FETCH_EVERY_MS = 300_000  # --watch asks the official endpoints at most every 5 minutes

Fetch = Annotated[
    bool,
    typer.Option(
        "--fetch/--no-fetch",
        help="Ask the official usage endpoints you opted into (claude_oauth_usage, "
        "codex_usage_api in the config file).",
    ),
]
ListPlans = Annotated[bool, typer.Option("--plans", help="List the known plans and exit.")]


def register(app: typer.Typer) -> None:
    app.command(name="limits")(limits)


def limits(
    tz: o.Tz = None,
    fetch: Fetch = True,
    plans: ListPlans = False,
    no_refresh: o.NoRefresh = False,
    json_out: o.Json = False,
    database: o.Database = None,
    verbose: o.Verbose = False,
    watch: Watch = None,
) -> None:
    """How much of each 5-hour, weekly and monthly allowance is used, and when it runs out.

    When it resets, and when it runs out at the current pace. Official numbers where the
    provider gives them; everything else is marked estimated."""
    if plans:
        _print_plans(json_out)
        return
    refuse_json(watch, json_out)

    def watching(application: App, every: float) -> None:
        fetched_ms = [0]  # the opt-in endpoints are asked at most every FETCH_EVERY_MS

        def frame(console: Console) -> None:
            refresh(application, (), True, no_refresh)
            now_ms = int(time.time() * 1000)
            due = fetch and now_ms - fetched_ms[0] >= FETCH_EVERY_MS
            fetched_ms[0] = now_ms if due else fetched_ms[0]
            result = application.limits(now_ms=now_ms, fetch=due)
            zone = application.tz(tz)
            _render(result.rows, shown_in(zone, now_ms), now_ms, application.tz_name(tz), console)
            for error in result.errors:
                console.print(f"[red]{error}[/]")

        redraw(frame, every, out)

    def body(application: App) -> None:
        if watch is not None:
            watching(application, watch)
            return
        scan = refresh(application, (), json_out, no_refresh)
        now_ms = int(time.time() * 1000)
        result = application.limits(now_ms=now_ms, fetch=fetch)
        zone = application.tz(tz)
        if json_out:
            dump(
                {
                    "limits": [r.to_json(iso_in(zone)) for r in result.rows],
                    "timezone": application.tz_name(tz),
                    "errors": result.errors,
                }
            )
            return
        from aiusage.cli.render import render_scan_notes

        _render(result.rows, shown_in(zone, now_ms), now_ms, application.tz_name(tz))
        for error in result.errors:
            err.print(f"[red]{error}[/]")
        render_scan_notes(err, scan, verbose)

    with_app(database, body)


def _render(
    rows: list[LimitRow], shown: Shown, now_ms: int, tz: str, console: Console = out
) -> None:
    if not rows:
        console.print(
            "[yellow]No limits known yet.[/] Official readings come from Codex logs, "
            "`aiusage statusline` in Claude Code, or the opt-in endpoints; estimates need "
            "history or a plan (`[plans]` in the config file, see `aiusage limits --plans`)."
        )
        return
    table = Table(title=f"Limits ({tz})", title_justify="left", header_style="bold")
    for name in ("Source", "Window", "Used", "Resets", "Kind", "Burn", "Runs out"):
        table.add_column(
            name,
            justify="right" if name in ("Used", "Burn") else "left",
            no_wrap=name != "Runs out",
        )
    for r in rows:
        used = "?" if r.used_percent is None else f"{r.used_percent:.1f}%"
        style = (
            "red"
            if (r.used_percent or 0) >= 90
            else "yellow"
            if (r.used_percent or 0) >= 70
            else ""
        )
        kind = r.kind if r.kind == "official" else "[dim]estimated[/]"
        runs_out = (
            f"[red]{shown(r.exhausts_at_ms)}[/] ({until(r.exhausts_at_ms, now_ms)})"
            if r.exhausts_at_ms
            else ("[green]after reset[/]" if r.burn_rate else "")
        )
        table.add_row(
            r.source,
            r.window,
            f"[{style}]{used}[/]" if style else used,
            f"{shown(r.resets_at_ms)} ({until(r.resets_at_ms, now_ms)})" if r.resets_at_ms else "",
            kind,
            f"{r.burn_rate:.1f}%/h" if r.burn_rate else "",
            runs_out,
        )
    console.print(table)
    notes = sorted({f"{r.source} {r.window}: {r.note}" for r in rows if r.note})
    notes += sorted(
        {f"{r.source} {r.window}: estimated from {r.origin}" for r in rows if r.kind != "official"}
    )
    for note in notes:
        console.print(f"[dim]{note}[/]")


def _print_plans(json_out: bool) -> None:
    if json_out:
        dump(
            {
                "plans": [
                    {
                        "key": p.key,
                        "agent": p.agent,
                        "label": p.label,
                        "note": p.note,
                        "windows": [
                            {
                                "window": w.window,
                                "tokens": w.tokens,
                                "cost_usd": w.cost_usd,
                                "messages": w.messages,
                                "requests": w.requests,
                            }
                            for w in p.windows
                        ],
                    }
                    for p in PLANS.values()
                ]
            }
        )
        return
    table = Table(title="Known plans (sizes are estimates)", title_justify="left")
    for name in ("Plan", "Agent", "Windows", "Size per window", "Note"):
        table.add_column(name)
    for p in PLANS.values():
        sizes = []
        for w in p.windows:
            parts = [
                f"{w.tokens:,} tokens" if w.tokens else "",
                f"${w.cost_usd:,.0f}" if w.cost_usd else "",
                f"{w.messages:,} messages" if w.messages else "",
                f"{w.requests:,} premium requests" if w.requests else "",
            ]
            sizes.append(f"{w.window}: " + (", ".join(x for x in parts if x) or "unknown"))
        table.add_row(
            p.key, p.agent, ", ".join(w.window for w in p.windows), "; ".join(sizes), p.note
        )
    out.print(table)
    out.print('[dim]Set yours in the config file: [plans] then claude-code = "claude-max5".[/]')
