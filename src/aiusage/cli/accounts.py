"""``aiusage accounts …``, ``aiusage collect`` and ``aiusage status``: provider accounts."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.app import App, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import dump, err, human_bytes, iso_in, out, shown_in, with_app
from aiusage.records import Account

accounts_app = typer.Typer(
    help="Provider accounts: API keys whose usage, cost and limits "
    "aiusage collects. Keys go to the OS keyring, never to a file."
)

Name = Annotated[str, typer.Option("--name", help="A name for this account, e.g. openai-work.")]
BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Replaces the provider's documented base URL exactly as the official SDK's "
        "base_url does (OpenAI's includes /v1, Anthropic's does not).",
    ),
]
KeyEnv = Annotated[
    str | None,
    typer.Option("--key-env", help="Read the key from this environment variable at each run."),
]
KeyStdin = Annotated[
    bool, typer.Option("--key-stdin", help="Read the key from standard input (to the keyring).")
]
Interval = Annotated[
    str | None, typer.Option("--interval", help="How often to collect: 90s, 5m, 1h.")
]
Options = Annotated[
    list[str] | None, typer.Option("--option", help="Provider option k=v (repeatable).")
]
Backfill = Annotated[
    int | None,
    typer.Option("--backfill", help="Days of history to read on an account's first collection."),
]
Only = Annotated[
    list[str] | None, typer.Option("--account", help="Collect only this account (repeatable).")
]


ADD_ONE = "Add one: `aiusage accounts add PROVIDER --name NAME --key-stdin`"


def register(app: typer.Typer) -> None:
    app.add_typer(accounts_app, name="accounts")
    app.command(name="collect")(collect)
    app.command(name="status")(status)


@accounts_app.command("add")
def add(
    provider: Annotated[str, typer.Argument(help="openai, anthropic, openrouter, …")],
    name: Name,
    base_url: BaseUrl = None,
    key_env: KeyEnv = None,
    key_stdin: KeyStdin = False,
    interval: Interval = None,
    option: Options = None,
    database: o.Database = None,
) -> None:
    """Add an account. The key is read from stdin into the OS keyring, or named by --key-env."""
    if key_stdin and key_env:
        raise typer.BadParameter("give --key-stdin or --key-env, not both")
    options: dict[str, str] = {}
    for item in option or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--option {item!r}: use k=v")
        options[key.strip()] = value.strip()

    def body(application: App) -> None:
        secret = sys.stdin.readline().strip() if key_stdin else None
        account = Account(
            name=name,
            provider=provider,
            base_url=base_url,
            key_env=key_env,
            interval_s=parse_interval(interval, "--interval") if interval else None,
            options=options,
        )
        for warning in application.accounts.add(account, secret):
            err.print(f"[yellow]warning:[/] {escape(warning)}")
        where = f"the environment variable {key_env}" if key_env else "the OS keyring"
        out.print(f"Added [bold]{escape(name)}[/] ({provider}); its key is read from {where}.")
        out.print(f"Check it with `aiusage accounts test {name}`, then `aiusage collect --once`.")

    with_app(database, body)


@accounts_app.command("list")
def list_accounts(json_out: o.Json = False, database: o.Database = None) -> None:
    """The configured accounts (never their keys)."""

    def body(application: App) -> None:
        rows = application.accounts.all()
        infos = application.accounts.providers()
        if json_out:
            dump(
                {
                    "accounts": [
                        {
                            "name": a.name,
                            "provider": a.provider,
                            "base_url": a.base_url
                            or (
                                infos[a.provider].default_base_url if a.provider in infos else None
                            ),
                            "key": f"env:{a.key_env}" if a.key_env else "keyring",
                            "interval_s": a.interval_s
                            or (
                                infos[a.provider].default_interval_s
                                if a.provider in infos
                                else None
                            ),
                            "enabled": a.enabled,
                            "options": a.options,
                        }
                        for a in rows
                    ]
                }
            )
            return
        if not rows:
            out.print(f"No accounts yet. {ADD_ONE}")
            return
        table = Table(title="Accounts", title_justify="left", header_style="bold")
        for column in ("Name", "Provider", "Base URL", "Key", "Enabled"):
            table.add_column(column)
        for a in rows:
            info = infos.get(a.provider)
            table.add_row(
                a.name,
                a.provider,
                a.base_url or (info.default_base_url if info else "?"),
                f"env {a.key_env}" if a.key_env else "keyring",
                "yes" if a.enabled else "[dim]no[/]",
            )
        out.print(table)

    with_app(database, body)


@accounts_app.command("providers")
def list_providers(json_out: o.Json = False, database: o.Database = None) -> None:
    """What each provider can report, what it needs, and what is not available."""

    def body(application: App) -> None:
        infos = application.accounts.providers()
        if json_out:
            dump(
                {
                    "providers": [
                        {
                            "name": i.name,
                            "label": i.label,
                            "base_url": i.default_base_url,
                            "reports": sorted(i.reports),
                            "unavailable": dict(i.unavailable),
                            "needs": list(i.needs),
                            "options": dict(i.options),
                        }
                        for i in infos.values()
                    ]
                }
            )
            return
        table = Table(title="Providers", title_justify="left", header_style="bold")
        for column in ("Name", "Reports", "Not available", "Needs"):
            table.add_column(column)
        for i in infos.values():
            table.add_row(
                i.name,
                ", ".join(sorted(i.reports)),
                "\n".join(f"{k}: {v}" for k, v in i.unavailable.items()),
                ", ".join(i.needs),
            )
        out.print(table)

    with_app(database, body)


@accounts_app.command("test")
def test(name: Annotated[str, typer.Argument()], database: o.Database = None) -> None:
    """Check an account's key with the provider's free call."""

    def body(application: App) -> None:
        said = application.accounts.test(name)
        out.print(f"[green]ok[/] {escape(name)}: {escape(said)}")

    with_app(database, body)


@accounts_app.command("remove")
def remove(name: Annotated[str, typer.Argument()], database: o.Database = None) -> None:
    """Remove an account and its key from the keyring (its collected history stays)."""

    def body(application: App) -> None:
        application.accounts.remove(name)
        out.print(f"Removed {escape(name)}; its key is gone from the keyring.")

    with_app(database, body)


@accounts_app.command("enable")
def enable(name: Annotated[str, typer.Argument()], database: o.Database = None) -> None:
    """Collect this account again."""
    _switch(name, True, database)


@accounts_app.command("disable")
def disable(name: Annotated[str, typer.Argument()], database: o.Database = None) -> None:
    """Stop collecting this account (its history stays)."""
    _switch(name, False, database)


def _switch(name: str, enabled: bool, database: str | None) -> None:
    def body(application: App) -> None:
        application.accounts.enable(name, enabled)
        out.print(f"{'Enabled' if enabled else 'Disabled'} {escape(name)}.")

    with_app(database, body)


def collect(
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="One pass, then exit (the default; `aiusage daemon` keeps going)."
        ),
    ] = True,
    backfill: Backfill = None,
    account: Only = None,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Collect every enabled provider account once: usage, cost, balance, rate limits."""

    def body(application: App) -> None:
        results = application.accounts.collect(account or None, backfill)
        if json_out:
            dump(
                {
                    "results": [
                        {
                            "account": r.account,
                            "provider": r.provider,
                            "status": r.status,
                            "message": r.message,
                            "hint": r.hint,
                            "events": r.events,
                            "observations": r.observations,
                            "seconds": round(r.seconds, 3),
                        }
                        for r in results
                    ]
                }
            )
            return
        if not results:
            out.print(f"No enabled accounts. {ADD_ONE}")
            return
        for r in results:
            mark = "[green]ok[/]" if r.status == "ok" else f"[yellow]{r.status}[/]"
            out.print(
                f"{mark} {escape(r.account)} ({r.provider}): {r.events} records, "
                f"{r.observations} readings in {r.seconds:.1f} s"
            )
            if r.message:
                out.print(f"   {escape(r.message)}")
            if r.hint:
                out.print(f"   [dim]hint: {escape(r.hint)}[/]")

    with_app(database, body)


def status(json_out: o.Json = False, database: o.Database = None) -> None:
    """Each account's health, last success and latest readings (balance, rate limits …)."""

    def body(application: App) -> None:
        rows = application.accounts.status()
        zone = application.tz(None)
        iso, shown = iso_in(zone), shown_in(zone)
        if json_out:
            dump(
                {
                    "accounts": [
                        {
                            "name": r.name,
                            "provider": r.provider,
                            "enabled": r.enabled,
                            "status": r.status,
                            "message": r.message,
                            "hint": r.hint,
                            "last_success": iso(r.last_success_ms),
                            "observations": [
                                {
                                    "metric": ob["metric"],
                                    "window": ob["window"],
                                    "value": ob["value"],
                                    "limit": ob["limit"],
                                    "unit": ob["unit"],
                                    "resets_at": iso(ob["resets_at_ms"]),
                                    "observed_at": iso(ob["observed_ms"]),
                                }
                                for ob in r.observations
                            ],
                        }
                        for r in rows
                    ]
                }
            )
            return
        if not rows:
            out.print(f"No accounts yet. {ADD_ONE}")
            return
        table = Table(title="Accounts", title_justify="left", header_style="bold")
        for column in ("Account", "Status", "Last success", "Readings"):
            table.add_column(column)
        for r in rows:
            colour = "green" if r.status == "ok" else "dim" if r.status == "disabled" else "yellow"
            readings = "\n".join(_reading(ob) for ob in r.observations[:8])
            status_cell = f"[{colour}]{r.status}[/]"
            if r.message:
                status_cell += f"\n{escape(r.message)}"
            if r.hint:
                status_cell += f"\n[dim]hint: {escape(r.hint)}[/]"
            table.add_row(
                f"{r.name}\n[dim]{r.provider}[/]",
                status_cell,
                shown(r.last_success_ms) or "never",
                readings,
            )
        out.print(table)

    with_app(database, body)


def _amount(value: float, unit: str) -> str:
    """A reading as a person reads it: $12.34, 4.8 GiB, 25.0%, 14,370 requests."""
    if unit == "USD":
        return f"${value:,.2f}"
    if unit == "bytes":
        return human_bytes(value)
    if unit == "%":
        return f"{value:.1f}%"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{number} {unit}".strip()


def _reading(ob: dict[str, Any]) -> str:
    name = ob["metric"] + (f"/{ob['window']}" if ob["window"] else "")
    text = f"{name}: {_amount(ob['value'], ob['unit'])}"
    if ob["limit"] is not None:
        text += f" of {_amount(ob['limit'], ob['unit'])}"
    return escape(text)
