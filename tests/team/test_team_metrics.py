"""/metrics on a team server: each member's spend and tokens today, this week and this
month, and when their token was last used — parsed with Prometheus' own parser."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from teamtools import DAY_MS, HOUR_MS, Team, batch, event, gzipped, now_ms


def _samples(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_per_member_series(client: TestClient, team: Team) -> None:
    before = now_ms()
    rows = {
        "alice": [event("a1", before - HOUR_MS), event("a2", before - 40 * DAY_MS)],
        "bob": [event("b1", before - HOUR_MS, input_tokens=1000, cost_calc_usd=2.0)],
    }
    for who, events in rows.items():
        headers = {**team.bearer(who), "Content-Encoding": "gzip"}
        answer = client.post("/api/v1/team/push", content=gzipped(batch(events)), headers=headers)
        assert answer.status_code == 200, answer.text
    samples = _samples(client)
    cost = samples["aiusage_team_member_cost_usd"]
    for period in ("today", "week", "month"):
        # an hour ago may be yesterday just after midnight: then only week/month count it
        alice = cost[(("department", "eng"), ("period", period), ("user", "alice"))]
        bob = cost[(("department", "eng"), ("period", period), ("user", "bob"))]
        assert alice in (0.0, 0.25) and bob in (0.0, 2.0)
        assert (alice == 0.0) == (bob == 0.0)
    assert cost[(("department", "eng"), ("period", "month"), ("user", "alice"))] == 0.25
    tokens = samples["aiusage_team_member_tokens"]
    assert tokens[(("department", "eng"), ("period", "month"), ("user", "bob"))] == 1050
    seen = samples["aiusage_team_member_last_seen_timestamp_seconds"]
    assert set(seen) == {(("user", "alice"),), (("user", "bob"),)}
    for value in seen.values():
        assert value == pytest.approx(before / 1000, abs=120)


def test_members_who_never_pushed_have_no_series(client: TestClient) -> None:
    samples = _samples(client)
    assert "aiusage_team_member_cost_usd" not in samples
