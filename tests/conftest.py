"""Shared fixtures: every test runs with AIUSAGE_HOME in a temp dir and never reads ~."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiusage.store import Store, open_store

PG_URL = os.environ.get("AIUSAGE_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "aiusage-home"
    monkeypatch.setenv("AIUSAGE_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-home" / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-home" / ".local" / "share"))
    monkeypatch.setenv("AIUSAGE_NO_PLUGINS", "1")
    # The OS keyring is the outer edge: a file-backed backend, shared with subprocesses.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "file_keyring.FileKeyring")
    monkeypatch.setenv("AIUSAGE_TEST_KEYRING", str(tmp_path / "keyring.json"))
    tests_dir = str(Path(__file__).resolve().parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [tests_dir, os.environ.get("PYTHONPATH")]))
    )
    for var in (
        "CLAUDE_CONFIG_DIR",
        "CODEX_HOME",
        "GEMINI_DATA_DIR",
        "OPENCODE_DATA_DIR",
        "AMP_DATA_DIR",
        "QWEN_DATA_DIR",
        "KIMI_DATA_DIR",
        "DROID_SESSIONS_DIR",
        "AIUSAGE_DATABASE_URL",
        "AIUSAGE_TZ",
        "AIUSAGE_CONFIG",
        "AIUSAGE_COST_MODE",
        "AIUSAGE_START_OF_WEEK",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


def _reset_postgres(url: str) -> None:
    import psycopg

    from aiusage.store.db import _psycopg_conninfo

    with psycopg.connect(_psycopg_conninfo(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def postgres_url() -> str:
    """The test PostgreSQL started by `python3 dev.py test`; required in CI."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail(
                "AIUSAGE_TEST_POSTGRES_URL is not set: run the suite with python3 dev.py test"
            )
        pytest.skip("no PostgreSQL: run the suite with `python3 dev.py test`")
    _reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on a fresh SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return postgres_url()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = open_store(database_url)
    yield s
    s.close()
