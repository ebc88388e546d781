"""``aiusage notify …``: the channels alerts go out through — list, test, secrets."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.app import App
from aiusage.cli import options as o
from aiusage.cli.common import dump, err, out, with_app

notify_app = typer.Typer(
    help="Notification channels (\\[notifiers.NAME] in the config file): desktop, Slack, "
    "Discord, a signed webhook, email. Their secrets live in env vars or the OS keyring."
)

Channel = Annotated[str, typer.Argument(help="The name of a notifiers table in the config file.")]


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")


@notify_app.command("list")
def list_channels(json_out: o.Json = False, database: o.Database = None) -> None:
    """The configured channels, where each delivers and where its secret comes from."""

    def body(application: App) -> None:
        rows = application.notify.all()
        if json_out:
            dump({"channels": [r.to_dict() for r in rows]})
            return
        if not rows:
            out.print("No notification channels. Add one to the config file, e.g.:")
            out.print('  [notifiers.me]\n  type = "desktop"', soft_wrap=True, markup=False)
            out.print("[dim]docs/configuration.md, Notifications, shows every type.[/]")
            return
        table = Table(box=None, pad_edge=False)
        for column in ("Name", "Type", "Enabled", "Min severity", "Delivers to", "Secret"):
            table.add_column(column)
        for r in rows:
            table.add_row(
                escape(r.name),
                r.kind,
                "yes" if r.enabled else "[dim]no[/]",
                r.min_severity,
                escape(r.target),
                escape(r.secret),
            )
        out.print(table)
        out.print("[dim]Send a sample: aiusage notify test NAME[/]")

    with_app(database, body)


@notify_app.command("test")
def test(channel: Channel, json_out: o.Json = False, database: o.Database = None) -> None:
    """Send a sample notification to one channel (exit 1 when it cannot be delivered)."""
    failed = False

    def body(application: App) -> None:
        nonlocal failed
        result = application.notify.test(channel)
        failed = not result.ok
        if json_out:
            dump(result.to_dict())
            return
        tries = f"{result.attempts} attempt" + ("s" if result.attempts != 1 else "")
        if result.ok:
            out.print(f"ok: sent a test notification to {escape(channel)} ({result.kind}, {tries})")
            return
        err.print(
            f"[red]error:[/] {escape(result.error or 'not delivered')} ({tries})", soft_wrap=True
        )
        if result.hint:
            err.print(f"  [dim]hint:[/] {escape(result.hint)}", soft_wrap=True)

    with_app(database, body)
    if failed:
        raise typer.Exit(1)


@notify_app.command("secret")
def secret(
    channel: Channel,
    delete: Annotated[
        bool, typer.Option("--delete", help="Remove the channel's secret from the keyring.")
    ] = False,
    database: o.Database = None,
) -> None:
    """Store a channel's secret in the OS keyring, read from standard input.

    The webhook URL (Slack, Discord), the HMAC secret (webhook) or the SMTP password
    (email), for a channel whose table names no environment variable for it."""

    def body(application: App) -> None:
        if delete:
            removed = application.notify.delete_secret(channel)
            out.print(
                f"Removed the secret of {escape(channel)} from the keyring."
                if removed
                else f"The keyring held no secret for {escape(channel)}."
            )
            return
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass("Secret (not shown): ")
        else:
            value = sys.stdin.readline().strip()
        what = application.notify.set_secret(channel, value)
        out.print(f"Stored {what} of {escape(channel)} in the OS keyring.")
        out.print(f"Check it with `aiusage notify test {escape(channel)}`.")

    with_app(database, body)
