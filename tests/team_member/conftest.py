"""Fixtures of the member-side tests: a fake team server on loopback, a member's app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from team_fake import TeamFake

from aiusage.app import App, open_app


@pytest.fixture
def team_server(tmp_path: Path) -> Iterator[TeamFake]:
    fake = TeamFake(tmp_path / "server.db")
    with fake:
        yield fake


@pytest.fixture
def member() -> Iterator[App]:
    app = open_app()
    yield app
    app.close()
