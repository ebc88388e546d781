"""Team budgets: a shared pool (team, department) and a member's quota spend from what
members pushed; a quota's alert reaches the admins' channel and the member's address."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from teamtools import HOUR_MS, Team, batch, body, event, now_ms

from aiusage.app import App, AppContext, open_app
from aiusage.errors import ConfigError

T = "/api/v1/team"


def _push(app: App, team: Team, who: str, dollars: float, n: int) -> None:
    now = now_ms() - HOUR_MS
    rows = [event(f"{who}-{i}", now - i, cost_calc_usd=dollars / n) for i in range(n)]
    app.team.ingest(app.team.authenticate(team.tokens[who]), body(batch(rows)))


@pytest.fixture
def spent(server_app: App, team: Team) -> App:
    _push(server_app, team, "alice", 30.0, 3)
    _push(server_app, team, "bob", 12.0, 2)
    _push(server_app, team, "ada", 5.0, 1)
    return server_app


def _standing(app: App) -> dict[str, Any]:
    return {s.budget.name: s for s in app.budgets.status()}


def test_pools_and_quotas_spend_what_their_members_pushed(spent: App) -> None:
    spent.budgets.set("team-pool", {"limit": 100, "scope": "team"})
    spent.budgets.set("eng-pool", {"limit": 40, "scope": "department:eng"})
    spent.budgets.set("alice-quota", {"limit": 25, "scope": "user:alice", "warn": 50})
    spent.budgets.set("bob-quota", {"limit": 25, "scope": "user:bob"})
    found = _standing(spent)
    assert found["team-pool"].spent.usd == pytest.approx(47.0)
    assert found["eng-pool"].spent.usd == pytest.approx(42.0)
    assert found["eng-pool"].state == "exceeded"
    assert found["alice-quota"].spent.usd == pytest.approx(30.0)
    assert found["alice-quota"].spent.requests == 3
    assert (found["bob-quota"].state, found["bob-quota"].percent) == ("ok", pytest.approx(48))
    # the dashboard's budgets view agrees with the core's
    shown = {b["name"]: b["spent_usd"] for b in spent.dashboard.budgets()["budgets"]}
    assert shown["eng-pool"] == pytest.approx(42.0)


def test_a_budget_scope_must_name_its_member() -> None:
    from aiusage.analytics.budgets import parse_budget

    assert parse_budget("t", {"limit": 1, "scope": "team"}, "x").scope == "team"
    with pytest.raises(ConfigError, match="user or department"):
        parse_budget("q", {"limit": 1, "scope": "user:"}, "x")


def test_who_sees_which_budget(client: TestClient, spent: App, team: Team) -> None:
    admin = team.bearer("ada")
    for name, scope in (("pool", "team"), ("alice-q", "user:alice"), ("bob-q", "user:bob")):
        answer = client.put(
            f"{T}/budgets/{name}", json={"limit": 20, "scope": scope}, headers=admin
        )
        assert answer.status_code == 200, answer.text
    assert (
        client.put(f"{T}/budgets/x", json={"limit": 1}, headers=team.bearer("alice")).status_code
        == 403
    )

    def names(who: str) -> set[str]:
        found = client.get(f"{T}/overview", headers=team.bearer(who)).json()["budgets"]
        return {b["name"] for b in found}

    assert names("ada") == {"pool", "alice-q", "bob-q"}
    assert names("alice") == {"pool", "alice-q"}
    assert names("vic") == {"pool"}
    detail = client.get(f"{T}/members/alice", headers=team.bearer("alice")).json()
    assert [(b["name"], b["spent_usd"]) for b in detail["budgets"]] == [("alice-q", 30.0)]


class Smtp:
    """aiosmtpd on loopback, keeping (recipients, subject) of what it is sent."""

    def __init__(self) -> None:
        self.got: list[tuple[list[str], str]] = []

    def __enter__(self) -> Smtp:
        import email

        from aiosmtpd.controller import Controller

        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                subject = email.message_from_bytes(envelope.content)["Subject"]
                outer.got.append((list(envelope.rcpt_tos), str(subject)))
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    with Smtp() as server:
        yield server


def test_a_quota_alert_reaches_the_admins_and_the_member(
    spent: App, database_url: str, isolated_home: Path, smtp: Smtp
) -> None:
    (isolated_home / "config.toml").write_text(
        f"""
[notifiers.admins]
type = "email"
host = "127.0.0.1"
port = {smtp.port}
starttls = false
from = "aiusage@example.com"
to = "admins@example.com"

[budgets.alice-quota]
limit = 20
scope = "user:alice"

[budgets.bob-quota]
limit = 10
scope = "user:bob"
""",
        encoding="utf-8",
    )
    app = open_app(AppContext(database_url=database_url))
    try:
        fired = asyncio.run(app.alerts.check_async())
    finally:
        app.close()
    assert [f.condition.key for f in fired] == ["budget:alice-quota", "budget:bob-quota"]
    alice = [to for to, subject in smtp.got if "alice-quota" in subject]
    assert sorted(alice) == [["admins@example.com"], ["alice@example.com"]]
    bob = [to for to, subject in smtp.got if "bob-quota" in subject]
    assert bob == [["admins@example.com"]]  # bob has no address: the admins only


def test_a_push_that_crosses_a_quota_alerts_without_a_collector(
    database_url: str, team: Team, isolated_home: Path, smtp: Smtp
) -> None:
    """The server evaluates the rules after pushes (at most once a minute), so quotas
    alert on a server started with --no-collect too."""
    from starlette.testclient import TestClient
    from teamtools import gzipped

    from aiusage.web.server import create_app

    (isolated_home / "config.toml").write_text(
        f'[notifiers.admins]\ntype = "email"\nhost = "127.0.0.1"\nport = {smtp.port}\n'
        'starttls = false\nfrom = "a@example.com"\nto = "admins@example.com"\n\n'
        '[budgets.alice-quota]\nlimit = 1\nscope = "user:alice"\n',
        encoding="utf-8",
    )
    app = create_app(AppContext(database_url=database_url), collect=False)
    rows = [event(f"k{i}", now_ms() - HOUR_MS, cost_calc_usd=0.6) for i in range(2)]
    with TestClient(app, base_url="http://127.0.0.1") as http:
        answer = http.post(
            f"{T}/push",
            content=gzipped(batch(rows)),
            headers={**team.bearer("alice"), "Content-Encoding": "gzip"},
        )
        assert answer.status_code == 200
        deadline = time.monotonic() + 20
        while len(smtp.got) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sorted(to for to, _ in smtp.got) == [["admins@example.com"], ["alice@example.com"]]
    assert all("alice-quota exceeded" in subject for _, subject in smtp.got)
