"""Who sees what through the API: admins everyone, a member themselves (another member's
detail is a 403), a viewer only totals; hidden project names; every change audited and
no token in any answer but the one that makes it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from starlette.testclient import TestClient
from teamtools import HOUR_MS, Team, batch, event, gzipped, now_ms

from aiusage.app import App

T = "/api/v1/team"


@pytest.fixture
def pushed(client: TestClient, team: Team) -> Team:
    """alice: shop and api; bob (hides project names): secret-x; ada: infra."""
    now = now_ms() - HOUR_MS
    work = {
        "alice": [("shop", 4), ("api", 2)],
        "bob": [("secret-x", 3)],
        "ada": [("infra", 1)],
    }
    for who, projects in work.items():
        rows = [
            event(f"{who}-{project}-{i}", now - i * 1000, project=project)
            for project, count in projects
            for i in range(count)
        ]
        headers = {**team.bearer(who), "Content-Encoding": "gzip"}
        answer = client.post(f"{T}/push", content=gzipped(batch(rows)), headers=headers)
        assert answer.status_code == 200, answer.text
    return team


def _get(client: TestClient, team: Team, who: str, path: str, **params: Any) -> Any:
    return client.get(f"{T}{path}", headers=team.bearer(who), params=params)


def test_a_member_sees_themselves_and_the_totals_only(client: TestClient, pushed: Team) -> None:
    assert _get(client, pushed, "alice", "/members/bob").status_code == 403
    assert _get(client, pushed, "alice", "/members/ada").status_code == 403
    mine = _get(client, pushed, "alice", "/members/alice").json()
    assert [p["project"] for p in mine["projects"]] == ["shop", "api"]
    assert sum(d["cost_usd"] for d in mine["days"]) == pytest.approx(6 * 0.25)
    assert mine["machines"][0]["machine"] == "laptop"
    overview = _get(client, pushed, "alice", "/overview").json()
    assert overview["viewer"] == {"name": "alice", "role": "member"}
    assert [m["name"] for m in overview["members"]] == ["alice"]
    assert overview["totals"]["month_usd"] == pytest.approx(10 * 0.25)
    assert [r["name"] for r in overview["leaderboard"]] == ["alice", "ada"]  # opted in
    # Each project is one person's here: all folded (test_team_privacy.py has more).
    projects = {p["project"]: p["requests"] for p in overview["projects"]}
    assert projects == {"(other)": 10}
    for path in ("/users", "/audit"):
        assert _get(client, pushed, "alice", path).status_code == 403, path
    assert _get(client, pushed, "alice", "/tokens", user="bob").status_code == 403


def test_a_viewer_sees_no_per_person_figures(client: TestClient, pushed: Team) -> None:
    overview = _get(client, pushed, "vic", "/overview").json()
    assert overview["members"] == [] and overview["leaderboard"] == []
    assert overview["totals"]["requests"] == 10
    # eng is alice and bob, platform ada: no department of three people to show apart.
    departments = {d["department"]: d["requests"] for d in overview["departments"]}
    assert departments == {"(other)": 10}
    assert _get(client, pushed, "vic", "/leaderboard").status_code == 403
    assert _get(client, pushed, "vic", "/members/alice").status_code == 403
    rows = list(csv.DictReader(io.StringIO(_get(client, pushed, "vic", "/chargeback.csv").text)))
    assert rows and all("user" not in r for r in rows)
    assert [(r["cost_centre"], r["department"], r["project"]) for r in rows] == [
        ("(other)", "(other)", "(other)")
    ]


def test_admins_see_everyone_but_not_hidden_project_names(client: TestClient, pushed: Team) -> None:
    for who in ("ada", None):  # an admin member, and the owner (no Bearer on loopback)
        headers = pushed.bearer(who) if who else {}
        overview = client.get(f"{T}/overview", headers=headers).json()
        rows = {m["name"]: m["requests"] for m in overview["members"]}
        assert rows == {"alice": 6, "bob": 3, "ada": 1, "vic": 0}
        bob = client.get(f"{T}/members/bob", headers=headers).json()
        assert [p["project"] for p in bob["projects"]] == ["(hidden)"]
    own = _get(client, pushed, "bob", "/members/bob").json()
    assert [p["project"] for p in own["projects"]] == ["secret-x"]
    assert _get(client, pushed, "ada", "/members/nobody").status_code == 404


def test_members_manage_their_own_privacy_and_tokens(client: TestClient, pushed: Team) -> None:
    def patch(who: str, name: str, **changes: Any) -> Any:
        return client.patch(f"{T}/users/{name}", json=changes, headers=pushed.bearer(who))

    assert patch("alice", "alice", leaderboard=False).json()["leaderboard"] is False
    assert patch("alice", "alice", role="admin").status_code == 403
    assert patch("alice", "bob", hide_projects=False).status_code == 403
    assert patch("ada", "ada", role="member").status_code == 403  # no self-demotion
    board = _get(client, pushed, "bob", "/leaderboard").json()["rows"]
    assert [r["name"] for r in board] == ["ada"]
    made = client.post(
        f"{T}/users/alice/tokens", json={"label": "desk"}, headers=pushed.bearer("alice")
    )
    assert made.status_code == 201 and made.json()["token"].startswith("aiu_")
    assert _get(client, pushed, "alice", "/me").json()["name"] == "alice"
    other = client.post(f"{T}/users/bob/tokens", json={}, headers=pushed.bearer("alice"))
    assert other.status_code == 403
    bobs = _get(client, pushed, "ada", "/tokens", user="bob").json()["tokens"]
    steal = client.delete(f"{T}/tokens/{bobs[0]['id']}", headers=pushed.bearer("alice"))
    assert steal.status_code == 404
    listed = _get(client, pushed, "alice", "/tokens").json()["tokens"]
    assert {t["label"] for t in listed} == {"first", "desk"}
    assert all("token" not in t for t in listed)


def test_every_change_is_audited_without_a_secret(
    client: TestClient, pushed: Team, server_app: App
) -> None:
    admin = pushed.bearer("ada")
    made = client.post(
        f"{T}/users", json={"name": "carol", "role": "member", "department": "sales"}, headers=admin
    )
    assert made.status_code == 201
    secret = made.json()["token"]
    again = client.post(f"{T}/users", json={"name": "carol"}, headers=admin)
    assert again.status_code == 409
    bad = client.post(f"{T}/users", json={"name": "dan", "role": "boss"}, headers=admin)
    assert bad.status_code == 422
    client.patch(f"{T}/users/carol", json={"department": "eng"}, headers=admin)
    token = client.post(f"{T}/users/carol/tokens", json={"label": "2nd"}, headers=admin).json()
    client.delete(f"{T}/tokens/{token['id']}", headers=admin)
    client.patch(f"{T}/users/carol", json={"disabled": True}, headers=admin)
    budget = {"limit": 50, "scope": "department:eng"}
    assert client.put(f"{T}/budgets/eng-pool", json=budget, headers=admin).status_code == 200
    assert client.delete(f"{T}/budgets/eng-pool", headers=admin).status_code == 200
    rules = {"rules": [{"pattern": "shop*", "cost_centre": "retail"}]}
    assert client.put(f"{T}/cost-centres", json=rules, headers=admin).status_code == 200
    log = client.get(f"{T}/audit", headers=admin).json()["entries"]
    done = [(e["actor"], e["action"], e["target"]) for e in reversed(log)]
    assert [d for d in done if d[0] == "ada"] == [
        ("ada", "user.add", "carol"),
        ("ada", "token.add", "carol"),
        ("ada", "user.change", "carol"),
        ("ada", "token.add", "carol"),
        ("ada", "token.revoke", "carol"),
        ("ada", "user.disable", "carol"),
        ("ada", "budget.set", "eng-pool"),
        ("ada", "budget.remove", "eng-pool"),
        ("ada", "tags.set", "cost_centres"),
    ]
    assert ("cli", "user.add", "alice") in done  # the fixture's, by the CLI's owner
    everything = json.dumps(log) + json.dumps(_get(client, pushed, "ada", "/tokens").json())
    stored = server_app.store.db.query("SELECT * FROM team_tokens")
    server_app.store.db.commit()
    for shown in (secret, token["token"], *pushed.tokens.values()):
        assert shown not in everything and shown not in repr(stored)


def test_chargeback_by_cost_centre(client: TestClient, pushed: Team) -> None:
    rules = {
        "rules": [
            {"pattern": "shop", "cost_centre": "retail"},
            {"pattern": "secret-*", "cost_centre": "rnd"},
        ]
    }
    client.put(f"{T}/cost-centres", json=rules, headers=pushed.bearer("ada"))
    text = _get(client, pushed, "ada", "/chargeback.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    got = {(r["cost_centre"], r["department"], r["project"], r["user"]): r for r in rows}
    assert set(got) == {
        ("retail", "eng", "shop", "alice"),
        ("eng", "eng", "api", "alice"),
        ("rnd", "eng", "(hidden)", "bob"),  # mapped by its real name, shown hidden
        ("platform", "platform", "infra", "ada"),
    }
    shop = got[("retail", "eng", "shop", "alice")]
    assert (shop["cost_usd"], shop["tokens"], shop["requests"]) == ("1.000000", "600", "4")
    assert (
        text.splitlines()[0] == "month,cost_centre,department,project,user,cost_usd,tokens,requests"
    )
    member = _get(client, pushed, "alice", "/chargeback.csv").text.splitlines()[0]
    assert member == "month,cost_centre,department,project,cost_usd,tokens,requests"
    assert _get(client, pushed, "ada", "/chargeback.csv", month="1999-01").text.count("\n") == 1
