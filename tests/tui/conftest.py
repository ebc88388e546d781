"""Fixtures for the monitor's tests: a home populated around NOW (tuitools.populate),
and colour on whatever terminal runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tuitools import populate


@pytest.fixture(autouse=True)
def colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots are taken in colour whatever the terminal running the tests says
    (tests that want NO_COLOR set it themselves)."""
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """The populated home on SQLite (the monitor reads through the facade, whose store
    tests cover PostgreSQL; test_updates checks the monitor on both)."""
    populate(isolated_home)
    return isolated_home
