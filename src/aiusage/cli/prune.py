"""``aiusage prune``: delete raw records older than the retention; totals stay."""

from __future__ import annotations

from typing import Annotated

import typer

from aiusage.app import App
from aiusage.cli import options as o
from aiusage.cli.common import dump, human_bytes, out, with_app


def register(app: typer.Typer) -> None:
    app.command(name="prune")(prune)


def prune(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="400d, 52w or 2y (at least 30d). Default: the config file's retention.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Count what would go; delete nothing.")
    ] = False,
    vacuum: Annotated[
        bool,
        typer.Option("--vacuum", help="Then give the freed space back to the disk (SQLite)."),
    ] = False,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Delete usage events, limit readings and alert log entries older than the retention.

    Daily totals are kept (reports, history, budgets and forecasts do not change); only
    per-session detail and readings before the cutoff go. With `retention = "400d"` in the
    config file the daemon and `aiusage serve` do this once a day by themselves."""

    def body(application: App) -> None:
        api = application.retention
        result = api.preview(older_than) if dry_run else api.prune(older_than, vacuum=vacuum)
        if json_out:
            dump(result.to_dict())
            return
        c = result.counts
        cutoff = result.to_dict()["before"][:10]
        verb = "Would delete" if dry_run else "Deleted"
        if not c.total:
            out.print(f"Nothing is older than {result.days} days (before {cutoff}).")
        else:
            out.print(
                f"{verb} records from before {cutoff} ({result.days} days): "
                f"{c.usage_events:,} usage events, {c.observations:,} limit readings, "
                f"{c.alert_log:,} alert log entries. Daily totals are kept."
            )
        if not dry_run:
            freed = "" if result.vacuumed or not c.total else " (--vacuum gives space back)"
            sizes = f"{human_bytes(result.size_before)} → {human_bytes(result.size_after)}"
            out.print(f"Database: {sizes}{freed}")

    with_app(database, body)
