"""``aiusage team users | tokens | audit | cost-centres | chargeback``: a team server's
administration, run on the server's database directly (``--database postgresql://…``).

Whoever can open the database is its owner, so these commands act as an admin; the audit
log names them ``cli:<login>``. A new token is printed once, on its own line, and kept
only as its SHA-256.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiusage.app import App
from aiusage.cli import options as o
from aiusage.cli.common import cli_actor, dump, err, out, with_app

users_app = typer.Typer(help="The team's members: add, list, change, disable.")
tokens_app = typer.Typer(help="Members' API tokens: add, list, revoke.")
centres_app = typer.Typer(help="Project -> cost centre rules for the chargeback export.")

Role = Annotated[
    str | None, typer.Option("--role", help="admin, member (pushes, sees self) or viewer.")
]
Department = Annotated[
    str | None, typer.Option("--department", help="Cost centre unless a rule says another.")
]
Email = Annotated[str | None, typer.Option("--email", help="Where their quota alerts go.")]
Label = Annotated[str, typer.Option("--label", help="What the token is for (a machine).")]


def register(team_app: typer.Typer) -> None:
    team_app.add_typer(users_app, name="users")
    team_app.add_typer(tokens_app, name="tokens")
    team_app.add_typer(centres_app, name="cost-centres")
    team_app.command("audit")(audit)
    team_app.command("chargeback")(chargeback)
    from aiusage.cli import team_report

    team_report.register(team_app)


def run_as_owner(database: str | None, action: Any) -> None:
    """``action(team_api, owner)`` on the database, as the CLI's owner."""

    def body(application: App) -> None:
        team = application.team
        action(team, team.owner(cli_actor()))

    with_app(database, body)


def _show_token(made: dict[str, Any], json_out: bool) -> None:
    if json_out:
        dump(made)
        return
    out.print(
        f"Token for [bold]{escape(made.get('user', made.get('name', '')))}[/] "
        "(shown once; the server keeps only its hash):"
    )
    out.print(made["token"], soft_wrap=True, highlight=False, markup=False)
    err.print(
        "[dim]On their machine: `aiusage team join URL` and paste it when asked (or pipe it in).[/]"
    )


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="Their name on the team, e.g. alice.")],
    role: Role = "member",
    department: Department = "",
    email: Email = "",
    label: Label = "first",
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Add a member and make their first token (printed once)."""
    run_as_owner(
        database,
        lambda team, owner: _show_token(
            team.add_user(owner, name, role or "member", department or "", email or "", label),
            json_out,
        ),
    )


@users_app.command("list")
def list_users(json_out: o.Json = False, database: o.Database = None) -> None:
    """Every member with role, department and privacy choices."""

    def show(team: Any, owner: Any) -> None:
        found = team.users(owner)
        if json_out:
            dump({"users": found})
            return
        table = Table("name", "role", "department", "email", "privacy", "state")
        for u in found:
            privacy = ", ".join(
                w
                for w, on in (
                    ("hides projects", u["hide_projects"]),
                    ("on leaderboard", u["leaderboard"]),
                )
                if on
            )
            state = "disabled" if u["disabled"] else "active"
            table.add_row(
                *(
                    escape(str(v))
                    for v in (u["name"], u["role"], u["department"], u["email"], privacy, state)
                )
            )
        out.print(table if found else "No members yet: `aiusage team users add NAME`.")

    run_as_owner(database, show)


@users_app.command("set")
def set_user(
    name: Annotated[str, typer.Argument(help="The member.")],
    role: Role = None,
    department: Department = None,
    email: Email = None,
    hide_projects: Annotated[
        bool | None,
        typer.Option("--hide-projects/--show-projects", help="Project names hidden to others."),
    ] = None,
    leaderboard: Annotated[
        bool | None, typer.Option("--leaderboard/--no-leaderboard", help="On the leaderboard.")
    ] = None,
    enable: Annotated[bool, typer.Option("--enable", help="Enable a disabled member.")] = False,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Change a member's role, department, email or privacy choices."""
    changes: dict[str, Any] = {
        k: v
        for k, v in (
            ("role", role),
            ("department", department),
            ("email", email),
            ("hide_projects", hide_projects),
            ("leaderboard", leaderboard),
        )
        if v is not None
    }
    if enable:
        changes["disabled"] = False
    run_as_owner(
        database, lambda team, owner: _changed(team.set_user(owner, name, changes), json_out)
    )


@users_app.command("disable")
def disable_user(
    name: Annotated[str, typer.Argument(help="The member.")],
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Disable a member: their tokens stop working at once; their history stays."""
    change = {"disabled": True}
    run_as_owner(
        database, lambda team, owner: _changed(team.set_user(owner, name, change), json_out)
    )


def _changed(user: dict[str, Any], json_out: bool) -> None:
    if json_out:
        dump(user)
        return
    state = "disabled" if user["disabled"] else "active"
    out.print(
        f"{escape(user['name'])}: {user['role']}, department {escape(user['department'] or '-')}"
        f", {state}"
    )


@tokens_app.command("add")
def add_token(
    name: Annotated[str, typer.Argument(help="The member the token is for.")],
    label: Label = "",
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Another token for a member (e.g. a second machine), printed once."""
    run_as_owner(
        database, lambda team, owner: _show_token(team.add_token(owner, name, label), json_out)
    )


@tokens_app.command("list")
def list_tokens(
    name: Annotated[str | None, typer.Argument(help="Only this member's.")] = None,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Tokens by id, member, label and last use (never the tokens themselves)."""

    def show(team: Any, owner: Any) -> None:
        found = team.tokens(owner, name)
        if json_out:
            dump({"tokens": found})
            return
        table = Table("id", "member", "label", "created", "last used", "revoked")
        for t in found:
            table.add_row(
                str(t["id"]),
                *(
                    escape(str(t[k] or "")[:19])
                    for k in ("user", "label", "created", "last_used", "revoked")
                ),
            )
        out.print(table)

    run_as_owner(database, show)


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The id `tokens list` shows.")],
    database: o.Database = None,
) -> None:
    """Revoke a token at once (the member's pushes get 401 until they join again)."""

    def run(team: Any, owner: Any) -> None:
        found = team.revoke_token(owner, token_id)
        out.print(f"revoked token {found['id']} of {escape(found['user'])}")

    run_as_owner(database, run)


def audit(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    json_out: o.Json = False,
    database: o.Database = None,
) -> None:
    """Who changed members, tokens, budgets and cost centres, and when (newest first)."""

    def show(team: Any, owner: Any) -> None:
        entries = team.audit(owner, limit)
        if json_out:
            dump({"entries": entries})
            return
        from datetime import datetime

        table = Table("when", "who", "what", "target", "detail")
        for e in entries:
            when = datetime.fromtimestamp(e["ts_ms"] / 1000).strftime("%Y-%m-%d %H:%M:%S")
            detail = ", ".join(f"{k}={v}" for k, v in sorted(e["detail"].items()))
            table.add_row(
                when, *(escape(str(v)) for v in (e["actor"], e["action"], e["target"], detail))
            )
        out.print(table)

    run_as_owner(database, show)


def chargeback(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this one).")
    ] = None,
    database: o.Database = None,
) -> None:
    """The month's spend per cost centre, department, project and member, as CSV."""
    run_as_owner(database, lambda team, owner: sys.stdout.write(team.chargeback_csv(owner, month)))


@centres_app.command("list")
def list_centres(json_out: o.Json = False, database: o.Database = None) -> None:
    """The rules in order (the first whose pattern matches a project wins)."""

    def show(team: Any, owner: Any) -> None:
        rules = team.cost_centres()
        if json_out:
            dump({"rules": rules})
            return
        for r in rules:
            out.print(f"{escape(r['pattern'])} -> {escape(r['cost_centre'])}")
        if not rules:
            out.print("No rules: every project goes to its member's department.")

    run_as_owner(database, show)


@centres_app.command("set")
def set_centre(
    pattern: Annotated[str, typer.Argument(help="Project name or shell pattern (shop-*).")],
    cost_centre: Annotated[str, typer.Argument(help="The cost centre it is charged to.")],
    database: o.Database = None,
) -> None:
    """Add or replace the rule for a pattern."""

    def run(team: Any, owner: Any) -> None:
        rules = [(r["pattern"], r["cost_centre"]) for r in team.cost_centres()]
        rules = [(p, c) for p, c in rules if p != pattern] + [(pattern, cost_centre)]
        team.set_cost_centres(owner, rules)
        out.print(f"{escape(pattern)} -> {escape(cost_centre)}")

    run_as_owner(database, run)


@centres_app.command("remove")
def remove_centre(
    pattern: Annotated[str, typer.Argument(help="The rule's pattern.")],
    database: o.Database = None,
) -> None:
    def run(team: Any, owner: Any) -> None:
        rules = [(r["pattern"], r["cost_centre"]) for r in team.cost_centres()]
        team.set_cost_centres(owner, [(p, c) for p, c in rules if p != pattern])
        out.print(f"removed the rule for {escape(pattern)}")

    run_as_owner(database, run)
