"""The OpenCode reader: the SQLite database (read-only, incremental, WAL, locks, v2 rows)
and legacy ``storage/message`` files."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import aiusage.sources.logs.opencode_db as opencode_db
from agents_factory import (
    bump,
    check_corpus,
    opencode_message,
    opencode_row,
    scan_ok,
    write_json,
)
from agents_factory import (
    opencode_database as make_db,
)
from aiusage.ingest import Pricer, scan
from aiusage.sources.logs.opencode import OpenCodeSource, decode_message, message_event
from aiusage.store import Store
from logs_factory import ms, totals, visible_events

T = "2026-11-03T10:00:00Z"
HOUR = 3_600_000


def _events(store: Store) -> dict[str, dict[str, Any]]:
    return {r["dedup_key"]: r for r in visible_events(store, "opencode")}


def test_bench_corpus_totals_are_exact(store: Store, agents_corpus: Any) -> None:
    """opencode.db with rows still in its -wal, a channel db, forks, legacy files."""
    check_corpus(store, "opencode", agents_corpus)


def test_message_semantics() -> None:
    """input is already uncached; reasoning is output; a positive cost is reported."""
    m = decode_message(json.dumps(opencode_message("msg_1", T)).encode())
    e = message_event(m)
    assert e is not None
    assert (e.input_tokens, e.cache_read_tokens, e.cache_write_5m_tokens) == (5, 1000, 200)
    assert (e.output_tokens, e.reasoning_tokens) == (120, 20)
    assert (e.reported_cost_usd, e.ts_ms, e.dedup_key) == (0.0123, ms(T), "msg_1")
    assert (e.model, e.provider, e.project, e.session) == (
        "claude-sonnet-4-5",
        "anthropic",
        "api",
        "ses_1",
    )
    free = decode_message(json.dumps(opencode_message("msg_2", T, cost=0)).encode())
    assert message_event(free).reported_cost_usd is None  # type: ignore[union-attr]
    user = decode_message(json.dumps(opencode_message("msg_3", T, role="user")).encode())
    assert message_event(user) is None
    empty = opencode_message("msg_4", T, inp=0, out=0, reasoning=0, read=0, write=0, cost=0)
    assert message_event(decode_message(json.dumps(empty).encode())) is None


def test_second_run_reads_nothing_and_a_new_row_is_picked_up(store: Store, tmp_path: Path) -> None:
    db = tmp_path / "opencode.db"
    conn = make_db(db)
    for i in range(3):  # written hours ago, an hour apart
        opencode_row(conn, opencode_message(f"msg_{i}", T), updated=ms(T) - (5 - i) * HOUR)
    source = OpenCodeSource([tmp_path])
    first = scan_ok(store, source)
    assert (first.files_read, first.events_written) == (1, 3)
    second = scan_ok(store, source)
    assert (second.files_read, second.events_written) == (0, 0)
    opencode_row(conn, opencode_message("msg_new", "2026-11-03T11:00:00Z", out=7))
    third = scan_ok(store, source)
    # the new row, and the last one read before (updated within MARGIN_MS of the last read)
    assert (third.files_read, third.events_written) == (1, 2)
    assert totals(store, "opencode")["events"] == 4
    state = store.load_cursors()[str(db)].state
    assert state["message"]["updated"] == ms("2026-11-03T11:00:00Z")
    conn.close()


def test_a_row_updated_in_place_is_read_again_without_double_counting(
    store: Store, tmp_path: Path
) -> None:
    """A reply is written when it starts (no tokens yet) and updated when it completes."""
    conn = make_db(tmp_path / "opencode.db")
    started = opencode_message("msg_1", T, inp=0, out=0, reasoning=0, read=0, write=0, cost=0)
    opencode_row(conn, started, updated=ms(T))
    source = OpenCodeSource([tmp_path])
    scan_ok(store, source)
    assert totals(store, "opencode")["events"] == 0
    opencode_row(conn, opencode_message("msg_1", T), updated=ms(T) + 9000)
    scan_ok(store, source)
    opencode_row(conn, opencode_message("msg_1", T), updated=ms(T) + 9500)  # touched again
    scan_ok(store, source)
    t = totals(store, "opencode")
    assert (t["events"], t["output_tokens"], t["cache_read_tokens"]) == (1, 120, 1000)
    conn.close()


def test_rows_only_in_the_wal_are_seen_and_a_wal_change_is_noticed(
    store: Store, tmp_path: Path
) -> None:
    """OpenCode keeps its database open in WAL mode: new rows live in the -wal file while
    the main file keeps its size and mtime."""
    db = tmp_path / "opencode.db"
    conn = make_db(db, wal=True)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    opencode_row(conn, opencode_message("msg_1", T))
    source = OpenCodeSource([tmp_path])
    scan_ok(store, source)
    assert totals(store, "opencode")["events"] == 1
    before = db.stat()
    opencode_row(conn, opencode_message("msg_2", "2026-11-03T10:30:00Z"))
    assert (db.stat().st_size, db.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    report = scan_ok(store, source)
    assert report.files_read == 1
    assert totals(store, "opencode")["events"] == 2
    conn.close()


def test_the_database_is_opened_read_only(store: Store, tmp_path: Path) -> None:
    db = tmp_path / "opencode.db"
    conn = make_db(db)
    opencode_row(conn, opencode_message("msg_1", T))
    conn.close()
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    mtime = db.stat().st_mtime_ns
    scan_ok(store, OpenCodeSource([tmp_path]))
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns) == (digest, mtime)


def test_a_locked_database_is_reported_and_read_next_time(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer holding an exclusive lock (rollback journal) makes the read fail softly:
    the error names the file, the other files are read, the next run reads it."""
    monkeypatch.setattr(opencode_db, "BUSY_TIMEOUT", 0.05)
    conn = make_db(tmp_path / "opencode.db")
    opencode_row(conn, opencode_message("msg_1", T))
    write_json(
        tmp_path / "storage" / "message" / "ses_9" / "msg_9.json",
        opencode_message("msg_9", T, session="ses_9"),
    )
    conn.execute("BEGIN EXCLUSIVE")
    source = OpenCodeSource([tmp_path])
    report = scan(store, [source], Pricer(store, {}), workers=1)
    assert len(report.errors) == 1 and "opencode.db" in report.errors[0]
    assert set(_events(store)) == {"msg_9"}
    conn.execute("COMMIT")
    scan_ok(store, source)
    assert set(_events(store)) == {"msg_1", "msg_9"}
    conn.close()


def test_malformed_rows_are_counted_once_however_often_reread(store: Store, tmp_path: Path) -> None:
    conn = make_db(tmp_path / "opencode.db")
    opencode_row(conn, '{"id": "msg_bad", "role": "assistant", "tokens": {', row_id="msg_bad")
    opencode_row(conn, opencode_message("msg_1", T))
    source = OpenCodeSource([tmp_path])
    assert scan_ok(store, source).malformed == 1
    opencode_row(conn, opencode_message("msg_2", T))  # the bad row is re-read in the margin
    assert scan_ok(store, source).malformed == 1
    assert scan_ok(store, source).malformed == 1  # unchanged: reported from the cursor
    opencode_row(conn, opencode_message("msg_bad", T), row_id="msg_bad")  # repaired
    assert scan_ok(store, source).malformed == 0
    assert totals(store, "opencode")["events"] == 3
    conn.close()


def test_legacy_files_forks_and_channel_databases_count_once(store: Store, tmp_path: Path) -> None:
    conn = make_db(tmp_path / "opencode.db")
    data = opencode_message("msg_1", T)
    opencode_row(conn, data)
    opencode_row(conn, {**data, "sessionID": "ses_fork"}, row_id="msg_fork_copy")  # a fork
    conn.close()
    beta = make_db(tmp_path / "opencode-beta.db")
    opencode_row(beta, opencode_message("msg_beta", T, model="gpt-5", provider="openai"))
    beta.close()
    legacy = tmp_path / "storage" / "message" / "ses_1" / "msg_1.json"
    write_json(legacy, data, indent=2)  # migrated into the database, file left behind
    write_json(legacy.with_name("msg_old.json"), opencode_message("msg_old", T), indent=2)
    scan_ok(store, OpenCodeSource([tmp_path]))
    assert set(_events(store)) == {"msg_1", "msg_beta", "msg_old"}


def test_a_rewritten_legacy_file_updates_its_event(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "storage" / "message" / "ses_1" / "msg_1.json"
    write_json(path, opencode_message("msg_1", T, out=10))
    source = OpenCodeSource([tmp_path])
    scan_ok(store, source)
    write_json(path, opencode_message("msg_1", T, out=900))
    bump(path)
    scan_ok(store, source)
    t = totals(store, "opencode")
    assert (t["events"], t["output_tokens"]) == (1, 920)


def test_v2_session_message_rows(store: Store, tmp_path: Path) -> None:
    """opencode-next.db: assistant rows in ``session_message`` with a nested model; the
    project comes from the session's directory."""
    conn = sqlite3.connect(tmp_path / "opencode-next.db", isolation_level=None)
    conn.execute("CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE session_message (id TEXT PRIMARY KEY, session_id TEXT, "
        "type TEXT, time_created INTEGER, data TEXT)"
    )
    conn.execute("INSERT INTO session VALUES ('ses_v2', '/Users/alice/opencode-v2-repo')")
    v2 = {
        "time": {"created": ms(T), "completed": ms(T) + 238},
        "agent": "build",
        "model": {"id": "claude-sonnet-4", "providerID": "anthropic"},
        "cost": 0.0123,
        "tokens": {
            "input": 5519,
            "output": 20,
            "reasoning": 23,
            "cache": {"read": 100, "write": 50},
        },
    }
    for row_id, kind in (("msg_ok", "assistant"), ("msg_user", "user")):
        conn.execute(
            "INSERT INTO session_message VALUES (?, 'ses_v2', ?, ?, ?)",
            (row_id, kind, ms(T), json.dumps(v2)),
        )
    conn.close()
    scan_ok(store, OpenCodeSource([tmp_path]))
    (row,) = visible_events(store, "opencode")
    assert (row["dedup_key"], row["session"], row["project"]) == (
        "msg_ok",
        "ses_v2",
        "opencode-v2-repo",
    )
    assert (row["model"], row["input_tokens"], row["output_tokens"]) == (
        "claude-sonnet-4",
        5519,
        43,
    )


def test_roots_default_xdg_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME")
    assert OpenCodeSource().roots() == [Path.home() / ".local" / "share" / "opencode"]
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert OpenCodeSource().roots() == [Path.home() / ".local" / "share" / "opencode"]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert OpenCodeSource().roots() == [tmp_path / "xdg" / "opencode"]
    monkeypatch.setenv("OPENCODE_DATA_DIR", f"{tmp_path / 'a'},{tmp_path / 'b'}")
    assert OpenCodeSource().roots() == [tmp_path / "a", tmp_path / "b"]
    (tmp_path / "a").mkdir()
    for name in ("opencode.db", "opencode-beta.db", "other.db", "opencode.db-wal"):
        (tmp_path / "a" / name).write_bytes(b"")
    assert [p.name for p in OpenCodeSource().discover()] == ["opencode-beta.db", "opencode.db"]
