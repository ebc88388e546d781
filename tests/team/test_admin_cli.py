"""``aiusage team users | tokens | cost-centres | audit | chargeback`` on the server's
database: tokens printed once and working, every change in the audit log as cli:LOGIN."""

from __future__ import annotations

import getpass
import json
from typing import Any

import pytest
from teamtools import batch, body, event, now_ms
from typer.testing import CliRunner

from aiusage.app import AppContext, open_app
from aiusage.cli.main import app as cli
from aiusage.errors import TeamError


def _cli(url: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--database", url])
    return result


def _json(url: str, *args: str) -> Any:
    result = _cli(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_admin_commands_manage_members_tokens_and_rules(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIUSAGE_TZ", "UTC")
    added = _cli(database_url, "team", "users", "add", "alice", "--department", "eng")
    assert added.exit_code == 0, added.output
    alice_token = added.stdout.strip().splitlines()[-1]
    assert alice_token.startswith("aiu_")
    bob = _json(database_url, "team", "users", "add", "bob", "--role", "viewer")
    again = _cli(database_url, "team", "users", "add", "alice")
    assert again.exit_code == 2 and "exists" in again.output
    wrong = _cli(database_url, "team", "users", "add", "carol", "--role", "boss")
    assert wrong.exit_code == 2 and "role must be one of" in wrong.output

    changed = _cli(
        database_url,
        "team",
        "users",
        "set",
        "alice",
        "--hide-projects",
        "--leaderboard",
        "--email",
        "alice@example.com",
    )
    assert changed.exit_code == 0, changed.output
    users = {u["name"]: u for u in _json(database_url, "team", "users", "list")["users"]}
    assert users["alice"]["hide_projects"] and users["alice"]["leaderboard"]
    assert users["alice"]["email"] == "alice@example.com"

    desk = _json(database_url, "team", "tokens", "add", "alice", "--label", "desk")
    listed = _json(database_url, "team", "tokens", "list", "alice")["tokens"]
    assert [t["label"] for t in listed] == ["first", "desk"]
    assert all("token" not in t for t in listed)
    assert _cli(database_url, "team", "tokens", "revoke", str(desk["id"])).exit_code == 0
    assert _cli(database_url, "team", "users", "disable", "bob").exit_code == 0
    _cli(database_url, "team", "cost-centres", "set", "shop*", "retail")
    rules = _json(database_url, "team", "cost-centres", "list")["rules"]
    assert rules == [{"pattern": "shop*", "cost_centre": "retail"}]

    app = open_app(AppContext(database_url=database_url))
    try:
        alice = app.team.authenticate(alice_token)  # the printed token works
        app.team.ingest(alice, body(batch([event("k1", now_ms() - 60_000, project="shop-2")])))
        for revoked in (desk["token"], bob["token"]):
            with pytest.raises(TeamError):
                app.team.authenticate(revoked)
    finally:
        app.close()

    csv_text = _cli(database_url, "team", "chargeback").stdout.splitlines()
    assert csv_text[1].split(",")[1:5] == ["retail", "eng", "(hidden)", "alice"]  # she hides it
    pool = _cli(database_url, "budgets", "set", "pool", "--limit", "100", "--scope", "team")
    assert pool.exit_code == 0, pool.output
    log = _json(database_url, "team", "audit")["entries"]
    actions = [(e["actor"], e["action"], e["target"]) for e in reversed(log)]
    me = f"cli:{getpass.getuser()}"
    assert actions == [
        (me, "user.add", "alice"),
        (me, "token.add", "alice"),
        (me, "user.add", "bob"),
        (me, "token.add", "bob"),
        (me, "user.change", "alice"),
        (me, "token.add", "alice"),
        (me, "token.revoke", "alice"),
        (me, "user.disable", "bob"),
        (me, "tags.set", "cost_centres"),
        (me, "budget.set", "pool"),  # the budgets command names its user too
    ]
    assert log[2]["detail"] == {"disabled": True}
    assert alice_token not in json.dumps(log)


def test_overview_and_member_in_the_terminal(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`team overview` and `team member NAME` show the API's figures: every member, the
    departments and projects, and a member's machines."""
    monkeypatch.setenv("AIUSAGE_TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "120")
    empty = _cli(database_url, "team", "overview")
    assert empty.exit_code == 0 and "No members yet" in empty.output
    tokens = {
        name: _json(database_url, "team", "users", "add", name, "--department", "eng")["token"]
        for name in ("alice", "bob")
    }
    app = open_app(AppContext(database_url=database_url))
    try:
        at = now_ms() - 60_000
        for name, rows in (
            ("alice", [event("a1", at, project="shop"), event("a2", at, project="")]),
            ("bob", [event("b1", at, project="shop", cost_calc_usd=1.5)]),
        ):
            app.team.ingest(app.team.authenticate(tokens[name]), body(batch(rows, machine="desk")))
    finally:
        app.close()
    seen = _json(database_url, "team", "overview", "--period", "month")
    assert {m["name"]: m["cost_usd"] for m in seen["members"]} == {"alice": 0.5, "bob": 1.5}
    text = _cli(database_url, "team", "overview").stdout
    assert "month $2.00" in text and "2 of 2 members active" in text
    assert "│ bob " in text and "75%" in text and "25%" in text  # shares of the spend
    assert "(none)" in text and "shop" in text  # alice's project-less turn is named
    alice = _cli(database_url, "team", "member", "alice")
    assert alice.exit_code == 0 and "desk" in alice.stdout and "$0.50" in alice.stdout
    missing = _cli(database_url, "team", "member", "nobody")
    assert missing.exit_code != 0 and "nobody" in missing.output
