"""``aiusage advise`` (cheaper comparable models at your token mix) and ``aiusage whatif``
(past spend at another model's prices). Both recompute prices only, and say so."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.app import App, ReportOptions
from aiusage.cli import options as o
from aiusage.cli.common import dump, out, refresh, with_app

SHOWN = 3  # alternatives per used model in the table; --json has them all


def register(app: typer.Typer) -> None:
    app.command(name="advise")(advise)
    app.command(name="whatif")(whatif)


def _opts(
    since: str | None,
    until: str | None,
    tz: str | None,
    agent: list[str] | None,
    project: str | None,
    mode: str | None,
) -> ReportOptions:
    return ReportOptions(
        since=o.parse_date(since),
        until=o.parse_date(until),
        tz=tz,
        agents=tuple(agent or ()),
        project=project,
        mode=mode,
    )


def usd(value: float | None) -> str:
    if value is None:
        return "?"
    if 0 < abs(value) < 0.01:
        return f"{'-' if value < 0 else ''}${abs(value):.4f}"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _period(data: dict[str, Any]) -> str:
    since, until = data["since"] or "the beginning", data["until"] or "today"
    scope = f" · {', '.join(data['sources'])}" if data["sources"] else ""
    if data["project"]:
        scope += f" · project {data['project']}"
    return f"{since} to {until}{scope}"


def advise(
    since: o.Since = None,
    until: o.Until = None,
    tz: o.Tz = None,
    agent: o.Agent = None,
    project: o.Project = None,
    also: Annotated[
        list[str] | None,
        typer.Option("--also", help="Also compare every used model with this one; repeatable."),
    ] = None,
    mode: o.Mode = None,
    json_out: o.Json = False,
    database: o.Database = None,
    no_refresh: o.NoRefresh = False,
) -> None:
    """Cheaper comparable models for the models you use, priced at your own token mix
    (input, output, cache reads and writes) over the period — the last 30 days unless
    --since/--until say otherwise. Prices only: quality and token counts differ."""
    opts = _opts(since, until, tz, agent, project, mode)

    def body(application: App) -> None:
        refresh(application, opts.agents, json_out, no_refresh)
        data = application.advice.advise(opts, also or ()).to_json()
        if json_out:
            dump(data)
            return
        _render_advice(data)

    with_app(database, body)


def _render_advice(data: dict[str, Any]) -> None:
    out.print(
        f"[bold]Cheaper models at your token mix[/] · {_period(data)} · "
        f"prices of {data['prices_as_of']} ({escape(data['price_table'])})"
    )
    if not data["models"] and not data["unpriced_models"]:
        out.print("No usage with tokens in this period.")
    for m in data["models"]:
        tokens = m["tokens"]
        title = (
            f"[bold]{escape(m['model'])}[/] · {usd(m['cost_usd'])} for "
            f"{tokens['total_tokens']:,} tokens"
            f" [dim](in {tokens['input_tokens']:,} · out {tokens['output_tokens']:,} · cache read "
            f"{tokens['cache_read_tokens']:,} · cache write "
            f"{tokens['cache_write_5m_tokens'] + tokens['cache_write_1h_tokens']:,})[/]"
        )
        if abs(m["recorded_usd"] - m["cost_usd"]) >= 0.005:
            title += f" [dim]· reports show {usd(m['recorded_usd'])}[/]"
        if not m["alternatives"]:
            checked = m["not_cheaper"] + m["no_price"]
            why = f"checked {', '.join(checked)}" if checked else "none on file for this model"
            out.print(f"\n{title}\n  no cheaper comparable model [dim]({escape(why)})[/]")
            for caveat in m["caveats"]:
                out.print(f"  [dim]{escape(caveat)}[/]")
            continue
        table = Table(title=title, title_justify="left", header_style="bold", pad_edge=False)
        table.add_column("Instead", no_wrap=True)
        for column in ("Cost", "Saving", "%"):
            table.add_column(column, justify="right", no_wrap=True)
        table.add_column("Why comparable")
        notes: dict[str, list[str]] = {c: [] for c in m["caveats"]}
        for alt in m["alternatives"][:SHOWN]:
            table.add_row(
                f"{escape(alt['model'])}\n[dim]{escape(alt['provider'])}[/]",
                usd(alt["cost_usd"]),
                f"[green]{usd(alt['saving_usd'])}[/]",
                f"[green]{alt['saving_pct']:.0f}%[/]",
                escape(alt["why"]),
            )
            for caveat in alt["caveats"]:
                notes.setdefault(caveat, []).append(alt["model"])
        if m["no_price"]:
            notes[f"no known price: {', '.join(m['no_price'])}"] = []
        out.print()
        out.print(table)
        rest = [f"{a['model']} (-{a['saving_pct']:.0f}%)" for a in m["alternatives"][SHOWN:]]
        if rest:
            out.print(f"  also cheaper: {escape(', '.join(rest))}")
        for note, models in notes.items():
            who = f"{', '.join(models)}: " if models else ""
            out.print(f"  [dim]• {escape(who + note)}[/]")
    if data["unpriced_models"]:
        skipped = escape(", ".join(data["unpriced_models"]))
        out.print(f"\n[yellow]No known price, skipped:[/] {skipped}")
    if data["best_saving_usd"]:
        out.print(f"\nBest saving over the period: [green]{usd(data['best_saving_usd'])}[/]")
    out.print(f"[dim]{escape(data['note'])}[/]")


def whatif(
    from_model: Annotated[
        str,
        typer.Option("--from", help="The model you used (a name, or a glob: 'claude-opus-*')."),
    ],
    to_model: Annotated[str, typer.Option("--to", help="The model whose prices to apply.")],
    since: o.Since = None,
    until: o.Until = None,
    tz: o.Tz = None,
    agent: o.Agent = None,
    project: o.Project = None,
    daily: Annotated[bool, typer.Option("--daily", "-d", help="A row per day.")] = False,
    json_out: o.Json = False,
    database: o.Database = None,
    no_refresh: o.NoRefresh = False,
) -> None:
    """Your past spend on one model recomputed at another model's prices: the same
    tokens, each day at that day's prices. Prices only: quality and token counts differ."""
    opts = _opts(since, until, tz, agent, project, None)

    def body(application: App) -> None:
        refresh(application, opts.agents, json_out, no_refresh)
        data = application.advice.whatif(from_model, to_model, opts).to_json(per_day=daily)
        if json_out:
            dump(data)
            return
        _render_whatif(data)

    with_app(database, body)


def _render_whatif(data: dict[str, Any]) -> None:
    names = ", ".join(data["from"])
    out.print(f"[bold]What if {escape(names)} had cost what {escape(data['to'])} costs[/]")
    out.print(f"[dim]{_period(data)} · {data['tokens']['total_tokens']:,} tokens[/]")
    table = Table(header_style="bold", pad_edge=False)
    table.add_column("Date" if "days" in data else "", no_wrap=True)
    for column in (f"At {data['from'][0]}" if len(data["from"]) == 1 else "As used", data["to"]):
        table.add_column(escape(column), justify="right", no_wrap=True)
    table.add_column("Difference", justify="right", no_wrap=True)
    for d in data.get("days", []):
        table.add_row(d["date"], *_cells(d))
    table.add_row("[bold]Total[/]", *_cells(data), end_section=True)
    out.print(table)
    pct = data["difference_pct"]
    if pct is not None:
        word = "less" if pct < 0 else "more"
        out.print(f"{escape(data['to'])} would have cost {abs(pct):.0f}% {word}.")
    if abs(data["recorded_usd"] - data["old_cost_usd"]) >= 0.005:
        out.print(f"[dim]Reports show {usd(data['recorded_usd'])} for these tokens.[/]")
    for line in [*data["caveats"], *(f"skipped {s}" for s in data["skipped"])]:
        out.print(f"  [dim]• {escape(line)}[/]")
    out.print(f"[dim]{escape(data['note'])}[/]")


def _cells(d: dict[str, Any]) -> list[str]:
    diff = d["difference_usd"]
    colour = "green" if diff < 0 else "red" if diff > 0 else "dim"
    sign = "+" if diff > 0 else ""
    return [usd(d["old_cost_usd"]), usd(d["new_cost_usd"]), f"[{colour}]{sign}{usd(diff)}[/]"]
