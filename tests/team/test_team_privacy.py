"""No breakdown row shows a non-admin the spend of fewer than three people: a department
of one, or one person's project, folds into "(other)"; admins see every row."""

from __future__ import annotations

import csv
import io

import pytest
from teamtools import HOUR_MS, Team, batch, body, event, now_ms

from aiusage.app import App
from aiusage.team_privacy import Group, fold_small

WORK = {  # member: (department, [(project, events)])
    "alice": ("eng", [("shop", 2), ("api", 1)]),
    "bob": ("eng", [("shop", 1)]),
    "cy": ("eng", [("shop", 3)]),
    "dee": ("eng", [("tools", 2), ("shop", 1)]),
    "ada": ("platform", [("infra", 5)]),
}


@pytest.fixture
def busy(server_app: App, team: Team) -> Team:
    owner = server_app.team.owner("cli")
    for name in ("cy", "dee"):
        team.tokens[name] = server_app.team.add_user(owner, name, "member", "eng")["token"]
    at = now_ms() - HOUR_MS
    for name, (_, projects) in WORK.items():
        rows = [event(f"{name}-{p}-{i}", at - i, project=p) for p, n in projects for i in range(n)]
        server_app.team.ingest(server_app.team.authenticate(team.tokens[name]), body(batch(rows)))
    return team


def _rows(app: App, team: Team, who: str | None) -> tuple[dict[str, int], dict[str, int]]:
    by = app.team.authenticate(team.tokens[who]) if who else app.team.owner()
    seen = app.team.overview(by, "month")
    return (
        {d["department"]: d["requests"] for d in seen["departments"]},
        {p["project"]: p["requests"] for p in seen["projects"]},
    )


@pytest.mark.parametrize("who", ["vic", "alice"])
def test_non_admins_see_only_rows_of_three_people(server_app: App, busy: Team, who: str) -> None:
    departments, projects = _rows(server_app, busy, who)
    assert departments == {"eng": 10}  # ada alone in platform: left to the totals
    # shop: alice, cy, dee (bob hides his names); api, tools, bob's and infra: four people
    assert projects == {"shop": 6, "(other)": 9}
    totals = server_app.team.overview(server_app.team.authenticate(busy.tokens[who]), "month")
    assert totals["totals"]["requests"] == 15  # nothing is lost from the totals


def test_admins_see_every_row(server_app: App, busy: Team) -> None:
    departments, projects = _rows(server_app, busy, None)
    assert departments == {"eng": 10, "platform": 5}
    assert projects == {"shop": 6, "infra": 5, "tools": 2, "api": 1, "(hidden)": 1}


def test_the_chargeback_folds_small_groups_for_non_admins(server_app: App, busy: Team) -> None:
    vic = server_app.team.authenticate(busy.tokens["vic"])
    rows = list(csv.DictReader(io.StringIO(server_app.team.chargeback_csv(vic))))
    assert [(r["department"], r["project"], r["requests"]) for r in rows] == [
        ("eng", "(other)", "4"),  # api (alice), tools (dee), bob's hidden: three people
        ("eng", "shop", "6"),
    ]  # ada's infra, alone in platform even at the coarsest fold, is not shown


def test_fold_small_goes_from_the_finest_part_to_the_coarsest() -> None:
    def group(*people: str) -> Group:
        g = Group()
        for person in people:
            g.add(person, {"cost_usd": 1.0, "tokens": 10, "requests": 1})
        return g

    folded = fold_small(
        {
            ("eng", "shop"): group("a", "b", "c"),
            ("eng", "api"): group("a"),
            ("eng", "tools"): group("d"),
            ("ops", "infra"): group("e"),
            ("sales", "crm"): group("f", "g"),
        }
    )
    shown = {k: (sorted(g.members), g.figures["requests"]) for k, g in folded.items()}
    assert shown == {
        ("eng", "shop"): (["a", "b", "c"], 3),
        ("(other)", "(other)"): (["a", "d", "e", "f", "g"], 5),
    }
