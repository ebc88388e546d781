"""``aiusage sources``: which agents were found, where, how much is stored, what was skipped."""

from __future__ import annotations

import typer
from rich.table import Table

from aiusage.app import App
from aiusage.cli import options as o
from aiusage.cli.common import dump, iso_in, out, refresh, shown_in, with_app


def register(app: typer.Typer) -> None:
    app.command(name="sources")(sources)


def sources(
    no_refresh: o.NoRefresh = False,
    json_out: o.Json = False,
    database: o.Database = None,
    verbose: o.Verbose = False,
) -> None:
    """Every agent aiusage reads: its directories, files, stored records and skipped lines."""

    def body(application: App) -> None:
        scan = refresh(application, (), json_out, no_refresh)
        rows = application.source_status(scan)
        zone = application.tz(None)
        iso, shown = iso_in(zone), shown_in(zone)

        if json_out:
            dump(
                {
                    "sources": [
                        {
                            "name": r.name,
                            "detected": any(found for _, found in r.roots) or r.events > 0,
                            "roots": [{"path": p, "exists": found} for p, found in r.roots],
                            "files": r.files,
                            "records": r.events,
                            "first": iso(r.first_ms),
                            "last": iso(r.last_ms),
                            "skipped_lines": r.malformed,
                            "errors": r.errors,
                        }
                        for r in rows
                    ]
                }
            )
            return
        table = Table(title="Agents", title_justify="left", header_style="bold")
        for name in ("Agent", "Where", "Files", "Records", "Last used", "Skipped"):
            table.add_column(
                name, justify="right" if name in ("Files", "Records", "Skipped") else "left"
            )
        for r in rows:
            found = [p for p, ok in r.roots if ok]
            where = (
                "\n".join(found)
                if found
                else f"[dim]not found ({r.roots[0][0]}…)[/]"
                if r.roots
                else ""
            )
            if verbose and not found:
                where = "[dim]" + "\n".join(p for p, _ in r.roots) + " (none exist)[/]"
            table.add_row(
                r.name if found or r.events else f"[dim]{r.name}[/]",
                where,
                f"{r.files:,}",
                f"{r.events:,}",
                shown(r.last_ms),
                f"[yellow]{r.malformed:,}[/]" if r.malformed else "0",
            )
            for error in r.errors:
                table.add_row("", f"[red]{error}[/]", "", "", "", "")
        out.print(table)

    with_app(database, body)
