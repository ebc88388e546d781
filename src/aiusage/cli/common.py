"""What every command shares: the consoles, error handling, refreshing and JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from aiusage.app import AiusageError, App, ScanReport, open_app
from aiusage.cli import options as o
from aiusage.cli.progress import ScanProgress

out = Console(soft_wrap=False)
err = Console(stderr=True)


def fail(exc: AiusageError) -> None:
    """The error and its fix-it hint (escaped: '[pricing.models]' must not vanish as markup)."""
    err.print(f"[red]error:[/] {escape(str(exc.args[0] if exc.args else exc))}")
    if exc.hint:
        err.print(f"  [dim]hint:[/] {escape(exc.hint)}")
    raise typer.Exit(2)


def refresh(
    application: App, agents: tuple[str, ...], quiet: bool, skip: bool = False
) -> ScanReport:
    """Read what is new in the logs first (a progress bar unless ``quiet``); ``skip`` is
    --no-refresh: answer from the store as it is."""
    if skip:
        return ScanReport()
    with ScanProgress(err, enabled=not quiet) as progress:
        return application.refresh(progress=progress.update, agents=agents)


def nothing_found(application: App, scan: ScanReport) -> bool:
    if scan.files_seen or application.store.db.scalar("SELECT 1 FROM usage_events LIMIT 1"):
        return False
    err.print("[yellow]No AI agent usage found.[/] Looked in:")
    for path in application.looked_in():
        err.print(f"  {escape(path)}", soft_wrap=True)  # whole, so it can be copied
    err.print(
        "[dim]Set CLAUDE_CONFIG_DIR, CODEX_HOME, … if your agents keep their logs elsewhere "
        "(`aiusage sources` lists every agent and its variable).[/]"
    )
    return True


def with_app(database: str | None, body: Callable[[App], None]) -> None:
    try:
        application = open_app(o.app_context(database))
        try:
            body(application)
        finally:
            application.close()
    except AiusageError as exc:
        fail(exc)


def dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def iso_in(zone: tzinfo) -> Callable[[int | None], str | None]:
    """Epoch ms -> ISO 8601 to the second in the user's zone: the JSON form."""

    def iso(ms: int | None) -> str | None:
        if ms is None:
            return None
        return datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="seconds")

    return iso


Shown = Callable[[int | None], str]  # epoch ms -> a time as tables show it


def shown_in(zone: tzinfo, now_ms: int | None = None) -> Shown:
    """Epoch ms -> '2026-11-24 14:05' in the user's zone: the table form. Given ``now_ms``,
    nearby times get shorter: '14:05' today, 'Wed 14:05' within the coming week."""

    def shown(ms: int | None) -> str:
        if ms is None:
            return ""
        when = datetime.fromtimestamp(ms / 1000, zone)
        if now_ms is not None:
            now = datetime.fromtimestamp(now_ms / 1000, zone)
            days = (when.date() - now.date()).days
            if days == 0:
                return when.strftime("%H:%M")
            if 0 < days < 7:
                return when.strftime("%a %H:%M")
        return when.strftime("%Y-%m-%d %H:%M")

    return shown


def human_bytes(value: float | None) -> str:
    """4.8 GiB, 512 B; an em dash for unknown."""
    if value is None:
        return "—"
    size, suffix = float(value), "B"
    for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or suffix == "TiB":
            break
        size /= 1024
    return f"{size:,.1f} {suffix}" if suffix != "B" else f"{size:,.0f} B"


def cli_actor() -> str:
    """Who the audit log names for a command run here: ``cli:LOGIN`` (whoever can open the
    database is its owner)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()[:60]}"
    except Exception:  # no login name (a container without a passwd entry)
        return "cli:unknown"
