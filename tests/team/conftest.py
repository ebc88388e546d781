"""Fixtures of the team-server tests: a team store (SQLite and PostgreSQL) with four
people, and the web app over it in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from teamtools import Team, make_team

from aiusage.app import App, AppContext, open_app
from csrf_client import ORIGIN, CsrfClient


@pytest.fixture
def server_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """The team server's App (server zone UTC unless a test sets another)."""
    monkeypatch.setenv("AIUSAGE_TZ", "UTC")
    app = open_app(AppContext(database_url=database_url))
    yield app
    app.close()


@pytest.fixture
def team(server_app: App) -> Team:
    return make_team(server_app)


@pytest.fixture
def client(database_url: str, team: Team, isolated_home: Path) -> Iterator[TestClient]:
    """The server in-process on loopback without an access token: a request without a
    Bearer header is the owner's (as on the dashboard)."""
    from aiusage.web.server import create_app

    app = create_app(AppContext(database_url=database_url), collect=False)
    with CsrfClient(app, base_url=ORIGIN) as test_client:
        test_client.get("/healthz")  # the CSRF cookie
        yield test_client
