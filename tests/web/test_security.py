"""Security of the web server: no secret in any answer or log line, loopback-only without
a token, a token (shown once, stored hashed) beyond loopback, CSRF and origin checks."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from webtools import ACCOUNT_CONFIG, ORIGIN, Server, seed_store, write_config

from aiusage.app import AppContext
from aiusage.fake.catalog import Fleet
from aiusage.web.server import create_app

WEBHOOK = "https://hooks.slack.com/services/T000/B000/SeCrEtWebhookToken123"
DB_PASSWORD = "db-PaSsWoRd-42"
NOTIFIERS = """
[notifiers.team]
type = "slack"
url_env = "TEAM_SLACK_URL"
enabled = false  # listed in the settings, never called: no test talks to Slack
"""


def _with_password(url: str) -> str:
    """The same PostgreSQL URL with a password (the test server trusts loopback, so the
    password is carried everywhere yet harmless)."""
    return re.sub(r"://([^:@/]+)@", rf"://\1:{DB_PASSWORD}@", url)


def test_no_key_webhook_or_password_in_any_response_or_log(
    database_url: str,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = _with_password(database_url) if database_url.startswith("postgres") else database_url
    monkeypatch.setenv("TEAM_SLACK_URL", WEBHOOK)
    write_config(isolated_home, ACCOUNT_CONFIG + NOTIFIERS)
    seed_store(url)
    fleet = Fleet(["openai"], now_ms=int(time.time() * 1000), days=3)
    (fake,) = fleet.start()
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    try:
        app = create_app(AppContext(database_url=url), collect=False)
        with TestClient(app, base_url=ORIGIN) as client:
            client.get("/healthz")
            csrf = {"X-CSRF-Token": client.cookies["aiusage_csrf"], "Origin": ORIGIN}

            def keep(response: httpx.Response) -> httpx.Response:
                seen.append(str(response.headers) + response.text)
                return response

            added = keep(
                client.post(
                    "/api/v1/accounts",
                    json={
                        "provider": "openai",
                        "name": "openai-fake",
                        "base_url": fake.base_url,
                        "key": fake.key,
                    },
                    headers=csrf,
                )
            )
            assert added.status_code == 201
            # An invalid request carrying the key: the 422 names the field, not the value.
            invalid = keep(
                client.post(
                    "/api/v1/accounts",
                    json={"provider": "openai", "name": "BAD NAME", "key": fake.key},
                    headers=csrf,
                )
            )
            assert invalid.status_code == 422
            keep(client.post("/api/v1/accounts/openai-fake/test", headers=csrf))
            keep(client.post("/api/v1/collect", headers=csrf))
            keep(client.post("/api/v1/alerts/check", headers=csrf))
            spec = keep(client.get("/openapi.json")).json()
            for path, methods in spec["paths"].items():
                if "get" in methods and "{" not in path and path != "/api/v1/events":
                    got = keep(client.get(path))
                    assert got.status_code == 200, (path, got.text)
            keep(client.get("/api/v1/export", params={"format": "json"}))
            keep(client.get("/docs"))
    finally:
        fleet.stop()
    files = "".join(p.read_text(errors="replace") for p in isolated_home.rglob("*.toml"))
    seen.append(files)
    settings = [s for s in seen if '"notifiers":[{' in s]
    assert settings and "hooks.slack.com" in settings[0]  # the host is shown: it is no secret
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (fake.key, WEBHOOK, "SeCrEtWebhookToken123", DB_PASSWORD):
        for text in seen:
            assert secret not in text
        assert secret not in logs


def test_loopback_server_refuses_other_host_names(api: Any) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 is still refused."""
    refused = api.get("/api/v1/overview", headers={"Host": "evil.example:8787"})
    assert refused.status_code == 421 and "loopback" in refused.json()["detail"]
    for host in ("localhost:8787", "127.0.0.1", "[::1]:8787"):
        assert api.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_state_changing_requests_need_csrf_and_same_origin(api: Any) -> None:
    token = api.cookies["aiusage_csrf"]
    plain = {"X-CSRF-Token": "", "Origin": ORIGIN}
    assert api.post("/api/v1/alerts/resume", headers=plain).status_code == 403
    wrong = {"X-CSRF-Token": "guess", "Origin": ORIGIN}
    assert api.post("/api/v1/alerts/resume", headers=wrong).status_code == 403
    elsewhere = {"X-CSRF-Token": token, "Origin": "http://evil.example"}
    refused = api.post("/api/v1/alerts/resume", headers=elsewhere)
    assert refused.status_code == 403 and "cross-origin" in refused.json()["detail"]
    no_origin = api.post(
        "/api/v1/alerts/resume", headers={"X-CSRF-Token": token, "Origin": "", "Referer": ""}
    )
    assert no_origin.status_code == 403
    referer = {"X-CSRF-Token": token, "Referer": ORIGIN + "/budgets"}
    assert (
        api.request("POST", "/api/v1/alerts/resume", headers={**referer, "Origin": ORIGIN})
    ).status_code == 200
    assert api.delete("/api/v1/budgets/none", headers=elsewhere).status_code == 403
    assert api.get("/api/v1/alerts").status_code == 200  # reading needs no CSRF token
    ok = api.get("/healthz")
    assert ok.headers["x-frame-options"] == "DENY"
    assert ok.headers["x-content-type-options"] == "nosniff"


def test_token_mode_in_process(database_url: str, isolated_home: Path) -> None:
    write_config(isolated_home, ACCOUNT_CONFIG)
    seed_store(database_url)
    app = create_app(AppContext(database_url=database_url), token="let-me-in", collect=False)
    with TestClient(app, base_url="http://192.0.2.10:8787") as client:
        assert client.get("/healthz").status_code == 200
        refused = client.get("/api/v1/overview")
        assert refused.status_code == 401 and "/login" in refused.json()["hint"]
        assert client.get("/metrics").status_code == 401
        assert client.get("/api/v1/events").status_code == 401
        bearer = {"Authorization": "Bearer let-me-in"}
        assert client.get("/api/v1/overview", headers=bearer).status_code == 200
        # An API client with the token needs no CSRF dance (no ambient credential).
        assert client.post("/api/v1/alerts/resume", headers=bearer).status_code == 200
        assert client.get("/login", params={"token": "nope"}).status_code == 401
        login = client.get("/login", params={"token": "let-me-in"}, follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/"
        assert "HttpOnly" in login.headers["set-cookie"]
        assert client.get("/api/v1/overview").status_code == 200  # the cookie now
        # A browser session (cookie) still needs the CSRF double submit.
        assert client.post("/api/v1/alerts/resume").status_code == 403


def test_the_team_shell_is_open_to_members_and_carries_no_figures(
    database_url: str, isolated_home: Path
) -> None:
    """A team member has no owner's cookie: GET /team (the page's HTML, no data) is served
    to anyone so they can sign in there with their own token; every figure stays behind
    /api/v1/team/, which wants that token, and nothing else opens up."""
    import gzip
    import json

    app = create_app(AppContext(database_url=database_url), token="owner-secret", collect=False)
    with TestClient(app, base_url="http://192.0.2.10:8787") as client:
        owner = {"Authorization": "Bearer owner-secret"}
        made = client.post(
            "/api/v1/team/users",
            json={"name": "zed-shell", "department": "dept-q7x", "email": "zed@example.com"},
            headers=owner,
        )
        assert made.status_code == 201, made.text
        member = {"Authorization": f"Bearer {made.json()['token']}"}
        row = {
            "source": "claude-code", "dedup_key": "m1:r1", "ts_ms": int(time.time() * 1000),
            "account": "", "provider": "anthropic", "model": "claude-sonnet-4-5",
            "project": "proj-k9w", "session": "s", "input_tokens": 4321, "output_tokens": 1234,
            "cache_read_tokens": 0, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0,
            "reasoning_tokens": 0, "total_tokens": 5555, "requests": 1,
            "cost_reported_usd": None, "cost_calc_usd": 7.654321, "group_key": "",
            "sidechain": 0, "meta": "{}",
        }  # fmt: skip
        batch = {"version": 1, "machine": "box-p3", "batch": "b", "events": [row]}
        pushed = client.post(
            "/api/v1/team/push",
            content=gzip.compress(json.dumps(batch).encode()),
            headers={**member, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        assert pushed.status_code == 200, pushed.text

        overview = client.get("/api/v1/team/overview", headers=member).json()
        totals = overview["totals"]
        assert totals["tokens"] == 5555 and totals["month_usd"] > 0

        shell = client.get("/team")  # no cookie, no header: a member's browser
        assert shell.status_code == 200 and shell.headers["content-type"].startswith("text/html")
        assert "Sign in with your team token" in shell.text
        usd = f"{totals['month_usd']:.4f}"
        for figure in ("zed-shell", "dept-q7x", "proj-k9w", "box-p3", "zed@example.com",
                       "5555", "5,555", "4321", usd, usd.rstrip("0"), "owner-secret"):  # fmt: skip
            assert figure not in shell.text, figure
        # The data wants a token: the member's, or the owner's.
        assert client.get("/api/v1/team/overview").status_code == 401
        assert client.get("/api/v1/team/me").status_code == 401
        me = client.get("/api/v1/team/me", headers=member).json()
        assert me == {"name": "zed-shell", "role": "member", "owner": False}
        # Only that one path opened: the other pages, neighbours and writes still need it.
        for path in ("/", "/budgets", "/team/", "/teams", "/team/x", "/api/v1/overview"):
            assert client.get(path).status_code == 401, path
        assert client.post("/team").status_code == 401


def test_non_loopback_bind_needs_the_token_shown_once(isolated_home: Path) -> None:
    write_config(isolated_home, ACCOUNT_CONFIG)
    env = {"AIUSAGE_HOME": str(isolated_home)}
    server = Server(env, "--no-collect", host="0.0.0.0")
    try:
        server.wait_up()
        assert httpx.get(server.url + "/api/v1/overview").status_code == 401
        assert httpx.get(server.url + "/metrics").status_code == 401
    finally:
        out, err = server.stop()
    token = _token(out)
    assert "shown once" in out
    database = (isolated_home / "aiusage.db").read_bytes()
    assert token.encode() not in database
    assert token not in (isolated_home / "config.toml").read_text()

    again = Server(env, "--no-collect", host="0.0.0.0")
    try:
        again.wait_up()
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(again.url + "/api/v1/overview", headers=bearer).status_code == 200
        wrong = {"Authorization": "Bearer " + token[::-1]}
        assert httpx.get(again.url + "/api/v1/overview", headers=wrong).status_code == 401
        with httpx.Client(base_url=again.url) as browser:
            assert browser.get("/login", params={"token": token}).status_code == 303
            assert browser.get("/api/v1/overview").status_code == 200
    finally:
        out2, err2 = again.stop()
    assert token not in out2  # shown once: the second start says it exists
    assert "made earlier" in out2
    assert token not in err + err2  # the access log has no query strings


def _token(out: str) -> str:
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if "Access token" in line)
    return lines[index + 1].strip()
