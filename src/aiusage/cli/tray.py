"""``aiusage tray``: the system tray icon (extra ``tray``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from aiusage.app import AiusageError, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import err, fail


def register(app: typer.Typer) -> None:
    app.command(name="tray")(tray)


def tray(
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="What the icon shows: badge (a green/yellow/red status dot), cost "
            "(today's spend), count (active sources).",
        ),
    ] = "badge",
    interval: Annotated[
        str, typer.Option("--interval", help="How often to re-read the store: 30s, 1m, 5m.")
    ] = "1m",
    collect: Annotated[
        bool,
        typer.Option(
            "--collect",
            help="Also collect in this process, as `aiusage daemon` does (unless a daemon "
            "already collects into this store).",
        ),
    ] = False,
    host: Annotated[
        str, typer.Option("--host", help="Where 'Open dashboard' looks for `aiusage serve`.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="… and its port (started there when not running).")
    ] = 8787,
    database: o.Database = None,
) -> None:
    """A tray icon for KDE, GNOME (AppIndicator extension), XFCE, Windows and macOS: status
    badge, today's cost or active sources; a tooltip summary; a menu with each source,
    Refresh all, Open dashboard, Pause alerts for 1 h and Quit. It shows what the store
    holds (`aiusage daemon --install` keeps it collected); --collect collects too."""
    if mode not in ("badge", "cost", "count"):
        raise typer.BadParameter("--mode must be badge, cost or count")
    try:
        every = parse_interval(interval, "--interval")
    except AiusageError as exc:
        fail(exc)
    try:
        from aiusage.tray.main import TrayOptions, TrayUnavailable, run
        from aiusage.tray.model import MODES
    except ImportError as exc:
        err.print(f"[red]error:[/] the tray icon is not installed ({escape(str(exc))})")
        err.print("  [dim]hint:[/] pip install 'aiusage[tray]'")
        raise typer.Exit(2) from None
    chosen = next(m for m in MODES if m == mode)
    options = TrayOptions(chosen, float(every), collect, host, port)
    try:
        code = run(o.app_context(database), options)
    except KeyboardInterrupt:  # Ctrl-C while waiting for the panel
        raise typer.Exit(130) from None
    except TrayUnavailable as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(3) from None
    except AiusageError as exc:
        fail(exc)
    raise typer.Exit(code)
