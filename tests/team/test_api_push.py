"""POST /api/v1/team/push over HTTP: member tokens, gzip, the 10 MB cap, named rows, and
retries that count once — against the real app in-process."""

from __future__ import annotations

import gzip
import os

from starlette.testclient import TestClient
from teamtools import HOUR_MS, Team, assert_sums, batch, body, event, gzipped, now_ms, reading

from aiusage.app import App

PUSH = "/api/v1/team/push"


def _post(client: TestClient, team: Team, who: str, data: bytes, gz: bool = True) -> object:
    headers = {**team.bearer(who), "Content-Type": "application/json"}
    if gz:
        headers["Content-Encoding"] = "gzip"
    return client.post(PUSH, content=data, headers=headers)


def test_a_gzipped_batch_is_stored_once_however_often_it_is_retried(
    client: TestClient, team: Team, server_app: App
) -> None:
    now = now_ms()
    data = batch(
        [event(f"m{i}", now - i * HOUR_MS, project="shop") for i in range(50)],
        [reading(now - 60_000)],
        machine="alice-laptop",
    )
    for _ in range(3):  # the answer was lost twice: the client sends it again
        answer = _post(client, team, "alice", gzipped(data))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"events": 50, "observations": 1}
    plain = _post(client, team, "alice", body(data), gz=False)
    assert plain.json() == {"events": 50, "observations": 1}
    db = server_app.store.db
    assert db.scalar("SELECT COUNT(*) FROM usage_events WHERE user_name = 'alice'") == 50
    assert db.scalar("SELECT COUNT(*) FROM observations") == 1
    assert db.scalar("SELECT DISTINCT machine FROM usage_events") == "alice-laptop"
    db.commit()
    assert_sums(db)
    overview = client.get("/api/v1/team/overview", params={"period": "month"}).json()
    assert overview["totals"]["requests"] == 50


def test_unknown_revoked_and_disabled_tokens_get_401(
    client: TestClient, team: Team, server_app: App
) -> None:
    data = gzipped(batch([event("k", now_ms())]))
    wrong = client.post(PUSH, content=data, headers={"Authorization": "Bearer aiu_nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert "aiusage team join" in wrong.json()["hint"]
    tokens = client.get("/api/v1/team/tokens", params={"user": "alice"}).json()["tokens"]
    assert client.delete(f"/api/v1/team/tokens/{tokens[0]['id']}").status_code == 200
    assert _post(client, team, "alice", data).status_code == 401
    client.patch("/api/v1/team/users/bob", json={"disabled": True})
    assert _post(client, team, "bob", data).status_code == 401


def test_a_viewer_and_the_owner_cannot_push(client: TestClient, team: Team) -> None:
    data = gzipped(batch([event("k", now_ms())]))
    assert _post(client, team, "vic", data).status_code == 403
    owner = client.post(PUSH, content=data, headers={"Content-Encoding": "gzip"})
    assert owner.status_code == 403
    assert "member token" in owner.json()["hint"]


def test_over_10_mb_is_413_before_or_after_gzip(client: TestClient, team: Team) -> None:
    big = os.urandom(10 * 1024 * 1024 + 10)  # incompressible
    assert _post(client, team, "alice", big, gz=False).status_code == 413
    bomb = gzip.compress(b" " * (10 * 1024 * 1024 + 10))  # ~10 kB that inflates past the cap
    answer = _post(client, team, "alice", bomb)
    assert answer.status_code == 413
    assert "half" in answer.json()["hint"]


def test_a_malformed_row_is_named_and_nothing_is_stored(
    client: TestClient, team: Team, server_app: App
) -> None:
    rows = [event("a", now_ms()), event("b", now_ms()), {**event("c", now_ms()), "ts_ms": "x"}]
    answer = _post(client, team, "alice", gzipped(batch(rows)))
    assert answer.status_code == 422
    assert answer.json()["row"] == {"kind": "events", "index": 2}
    assert "events[2]" in answer.json()["detail"]
    assert server_app.store.db.scalar("SELECT COUNT(*) FROM usage_events") == 0
    server_app.store.db.commit()
    nul = _post(client, team, "alice", gzipped(batch([event("n", now_ms(), project="\x00")])))
    assert nul.status_code == 422  # PostgreSQL cannot hold it: refused, not a 5xx
    junk = _post(client, team, "alice", b"not json", gz=False)
    assert junk.status_code == 422 and "row" not in junk.json()
    bad_gzip = _post(client, team, "alice", b"\x1f\x8b broken")
    assert bad_gzip.status_code == 400
    brotli = client.post(
        PUSH, content=b"{}", headers={**team.bearer("alice"), "Content-Encoding": "br"}
    )
    assert brotli.status_code == 415


def test_members_push_through_a_server_with_an_access_token(database_url: str, team: Team) -> None:
    """--host 0.0.0.0: the Guard wants the owner's token everywhere but lets a member's
    Bearer through to the team routes (no CSRF for a header credential)."""
    from aiusage.app import AppContext
    from aiusage.web.server import create_app

    app = create_app(AppContext(database_url=database_url), token="owner-secret", collect=False)
    with TestClient(app, base_url="http://team.example.com") as remote:
        data = gzipped(batch([event("k", now_ms())]))
        assert _post(remote, team, "alice", data).status_code == 200
        assert remote.get("/api/v1/overview", headers=team.bearer("alice")).status_code == 401
        assert remote.get("/api/v1/team/overview").status_code == 401  # no token at all
        owner = {"Authorization": "Bearer owner-secret"}
        seen = remote.get("/api/v1/team/me", headers=owner).json()
        assert seen == {"name": "", "role": "admin", "owner": True}
        assert remote.get("/api/v1/team/me", headers=team.bearer("bob")).json()["name"] == "bob"
