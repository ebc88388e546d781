"""Upgrading a store made before team mode (0003) keeps every record, and a member's
readings become unique per member."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from aiusage.records import Observation
from aiusage.store import open_store
from aiusage.store.migrate import MIGRATIONS, sqlalchemy_url


def _migrate(url: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_an_0003_store_upgrades_with_its_records(database_url: str) -> None:
    _migrate(database_url, "0003_alerts")
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO usage_events (source, dedup_key, ts_ms, input_tokens, "
                "total_tokens) VALUES ('claude-code', 'm1:r1', 1000, 5, 5)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO observations (ts_ms, account, metric, window_name, value) "
                "VALUES (1000, 'claude-code', 'window_used_percent', '5h', 42.0)"
            )
        )
    engine.dispose()

    store = open_store(database_url)  # migrates to the head
    rows = store.db.query("SELECT source, dedup_key, user_name, machine FROM usage_events")
    assert rows == [("claude-code", "m1:r1", "", "")]
    # The same reading from two members is two readings; from one member, one.
    same = {"ts_ms": 1000, "account": "claude-code", "metric": "window_used_percent"}
    store.add_observations([Observation(window="5h", value=42.0, **same)])  # type: ignore[arg-type]
    store.db.execute(
        "INSERT INTO observations (ts_ms, account, metric, window_name, value, user_name) "
        "VALUES (1000, 'claude-code', 'window_used_percent', '5h', 40.0, 'bob')"
    )
    store.db.commit()
    readings = store.db.query("SELECT user_name, value FROM observations ORDER BY user_name")
    assert readings == [("", 42.0), ("bob", 40.0)]
    store.close()
