"""One price table for the team: the server's. Pushed events are priced with it, a price
change on the server reprices what members pushed, a provider's bill stays as billed, and
a model the server can't price keeps the member's figure."""

from __future__ import annotations

import dataclasses

import pytest
from teamtools import HOUR_MS, UNPRICED, Team, assert_sums, batch, body, event, now_ms

from aiusage.app import App

SONNET = "claude-sonnet-4-5"  # $3 / $15 per million input / output tokens


def _push(app: App, team: Team, name: str, rows: list[dict[str, object]]) -> None:
    app.team.ingest(app.team.authenticate(team.tokens[name]), body(batch(rows)))


def _costs(app: App) -> dict[str, tuple[object, object]]:
    rows = app.store.db.query(
        "SELECT dedup_key, cost_calc_usd, cost_reported_usd FROM usage_events"
    )
    app.store.db.commit()
    return {str(k): (calc, reported) for k, calc, reported in rows}


def test_the_server_prices_what_members_push(server_app: App, team: Team) -> None:
    at = now_ms() - HOUR_MS
    _push(
        server_app,
        team,
        "alice",
        [
            event("priced", at, model=SONNET, cost_calc_usd=0.25),  # the member's old table
            event("billed", at, model=SONNET, cost_calc_usd=0.25, cost_reported_usd=0.9),
            event("unknown", at, model=UNPRICED, cost_calc_usd=0.25),
        ],
    )
    costs = _costs(server_app)
    assert costs["priced"][0] == pytest.approx(100 * 3e-6 + 50 * 15e-6)
    assert costs["billed"][1] == pytest.approx(0.9)  # a bill is a bill
    assert costs["unknown"][0] == pytest.approx(0.25)  # the member's figure stands
    assert_sums(server_app.store.db)
    month = server_app.team.overview(server_app.team.owner(), "month")["totals"]["month_usd"]
    assert month == pytest.approx(0.00105 + 0.9 + 0.25)


def test_a_price_override_on_the_server_reprices_the_team(server_app: App, team: Team) -> None:
    """The admins set a rate for the in-house model: what was pushed before is summed
    again at it, and later pushes are priced with it."""
    at = now_ms() - HOUR_MS
    _push(server_app, team, "alice", [event("a", at), event("b", at)])
    owner = server_app.team.owner()
    assert server_app.team.overview(owner, "month")["totals"]["month_usd"] == pytest.approx(0.5)

    rates = {UNPRICED: {"input": 1000.0, "output": 2000.0}}  # $0.10 + $0.10 per event
    server_app.config = dataclasses.replace(server_app.config, price_overrides=rates)
    assert server_app.team.overview(owner, "month")["totals"]["month_usd"] == pytest.approx(0.4)
    _push(server_app, team, "bob", [event("c", at, cost_calc_usd=7.0)])
    assert _costs(server_app)["c"][0] == pytest.approx(0.2)
    assert server_app.team.overview(owner, "month")["totals"]["month_usd"] == pytest.approx(0.6)
    assert_sums(server_app.store.db)
