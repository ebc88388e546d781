"""``aiusage forecast`` and ``aiusage anomalies``: where spend is heading, and its spikes.

Tables are drawn from the same dictionaries ``--json`` prints, so the two never disagree.
"""

from __future__ import annotations

import time
from datetime import tzinfo
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.app import App, LimitRow
from aiusage.cli import options as o
from aiusage.cli.common import dump, err, iso_in, out, refresh, shown_in, with_app
from aiusage.cli.render import until, usd

PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period",
        "-P",
        help="month, week or day (the current one); --since/--until give a custom period.",
    ),
]
Days = Annotated[int, typer.Option("--days", "-d", help="How many recent days to look at.")]
Hourly = Annotated[
    bool, typer.Option("--hourly", help="Look at spend per hour instead of per day.")
]
Sensitivity = Annotated[
    float | None,
    typer.Option(
        "--sensitivity",
        "-k",
        help="How many robust standard deviations above the usual make a spike "
        "(default 3.5; lower finds more).",
    ),
]
MinUsd = Annotated[
    float | None,
    typer.Option(
        "--min-usd",
        help="Smallest rise above the usual, in USD, that counts (default $1 a day, "
        "$0.50 an hour).",
    ),
]


def register(app: typer.Typer) -> None:
    app.command(name="forecast")(forecast)
    app.command(name="anomalies")(anomalies)


def forecast(
    period: PeriodOpt = "month",
    since: o.Since = None,
    until_: o.Until = None,
    agent: o.Agent = None,
    project: o.Project = None,
    tz: o.Tz = None,
    mode: o.Mode = None,
    no_refresh: o.NoRefresh = False,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Expected spend at the end of this month (or week, day), per source and in total,
    with a 90% interval; and the subscription windows that run out before they reset."""
    first, last = o.parse_date(since), o.parse_date(until_)
    sources = tuple(agent or ())

    def body(application: App) -> None:
        refresh(application, sources, json_out, no_refresh)
        now_ms = int(time.time() * 1000)
        report = application.insights.forecast(
            sources, project, period.lower(), first, last, tz, mode, now_ms=now_ms
        )
        zone = application.tz(tz)
        data = report.to_json(iso_in(zone))
        if json_out:
            dump(data)
            return
        _render_forecast(data)
        _render_windows(report.windows, zone, now_ms)

    with_app(database, body)


def _render_forecast(data: dict[str, Any]) -> None:
    rows = data["forecasts"]
    total = rows[-1]
    if total["spent_usd"] == 0 and total["expected_usd"] is None and len(rows) == 1:
        out.print(f"[yellow]No spend recorded for this scope yet[/] — {total['note']}.")
        return
    title = f"Forecast for {data['period']} {data['start']} … {data['end']} ({data['timezone']})"
    table = Table(title=title, title_justify="left", header_style="bold")
    table.caption = "90% range: where the total should land 9 times in 10. Days: of history."
    table.caption_justify = "left"
    for name in ("Source", "Spent so far", "Expected", "90% range", "Method", "Days"):
        table.add_column(
            name, justify="left" if name in ("Source", "Method") else "right", no_wrap=True
        )
    for r in rows:
        scope = "[bold]Total[/]" if r is total else escape(r["scope"])
        if r["expected_usd"] is None:
            expected, interval = "[dim]?[/]", ""
        else:
            expected = usd(r["expected_usd"])
            interval = f"{usd(r['low_usd'])}–{usd(r['high_usd'])}"
        table.add_row(
            scope,
            usd(r["spent_usd"]),
            expected,
            interval,
            r["method"],
            str(r["history_days"]),
        )
    out.print(table)
    for r in rows:
        if r["note"]:
            who = "total" if r is total else r["scope"]
            out.print(f"[dim]{escape(who)}: {escape(r['note'])}[/]")


def _render_windows(windows: list[LimitRow], zone: tzinfo, now_ms: int) -> None:
    if not windows:
        return
    shown = shown_in(zone, now_ms)
    table = Table(title="Subscription windows", title_justify="left", header_style="bold")
    for name in ("Source", "Window", "Used", "Burn", "Resets", "Runs out"):
        table.add_column(name, justify="right" if name in ("Used", "Burn") else "left")
    for w in windows:
        runs_out = (
            f"[red]{shown(w.exhausts_at_ms)}[/] ({until(w.exhausts_at_ms, now_ms)})"
            if w.exhausts_at_ms
            else "[green]after reset[/]"
        )
        table.add_row(
            escape(w.source),
            w.window,
            "?" if w.used_percent is None else f"{w.used_percent:.1f}%",
            f"{w.burn_rate:.1f}%/h",
            shown(w.resets_at_ms) if w.resets_at_ms else "",
            runs_out,
        )
    out.print(table)


def anomalies(
    days: Days = 30,
    hourly: Hourly = False,
    sensitivity: Sensitivity = None,
    min_usd: MinUsd = None,
    agent: o.Agent = None,
    project: o.Project = None,
    tz: o.Tz = None,
    mode: o.Mode = None,
    no_refresh: o.NoRefresh = False,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Spend spikes per source: days (or hours) far above the median of the ones before,
    by a robust z-score (median and MAD), and large in dollars too."""
    sources = tuple(agent or ())

    def body(application: App) -> None:
        refresh(application, sources, json_out, no_refresh)
        report = application.insights.anomalies(
            sources, days, hourly, sensitivity, min_usd, project, tz, mode
        )
        data = report.to_json()
        if json_out:
            dump(data)
            return
        unit = "hour" if hourly else "day"
        if not data["sources"]:
            out.print(f"[yellow]No spend in the last {days} days[/] — nothing to look at.")
        elif not data["anomalies"]:
            out.print(
                f"[green]No spikes[/] in spend per {unit} over the last {days} days "
                f"({', '.join(data['sources'])}; sensitivity {data['sensitivity']})."
            )
        else:
            title = (
                f"Spend spikes per {unit}, last {days} days ({data['timezone']}, "
                f"sensitivity {data['sensitivity']})"
            )
            table = Table(title=title, title_justify="left", header_style="bold")
            for name in ("When", "Source", "Spent", "Usual", "Times usual", "Score"):
                table.add_column(name, justify="left" if name in ("When", "Source") else "right")
            for a in data["anomalies"]:
                ratio = a["value_usd"] / a["baseline_usd"] if a["baseline_usd"] > 0 else None
                table.add_row(
                    a["when"].replace("T", " "),
                    escape(a["source"]),
                    usd(a["value_usd"]),
                    usd(a["baseline_usd"]),
                    f"{ratio:.1f}x" if ratio is not None else "new",
                    f"{a['score']:.1f}",
                )
            out.print(table)
        for note in data["notes"]:
            err.print(f"[dim]{escape(note)}[/]")

    with_app(database, body)
