"""Reading OpenCode's SQLite database read-only and incrementally.

The database is opened with ``mode=ro`` (never written, never locked for writing) while
OpenCode may be writing it in WAL mode; a busy or locked database raises ``OSError`` so
the scan reports it and retries next run. Tables read: ``message`` (v1) and, when present,
``session_message`` (v2, assistant rows only); ``session.directory`` names the project of
rows whose JSON has no ``path``.

Rows are updated in place (a reply's tokens arrive when it completes), so new rows are not
enough: per table the state keeps the highest ``rowid`` and ``time_updated`` seen, and the
next read fetches ``rowid > last OR time_updated >= last - MARGIN_MS`` (the margin covers
a writer whose clock-stamped update waited for the lock and committed late; the rows it
re-reads are the few updated in the minute before the last read). Without a
``time_updated`` column every row is read each time the database changed. Re-read rows
upsert onto themselves. A malformed row is remembered by id, so its count is exact
however often it is re-read. The ``time_updated`` filter scans the table (it has no
index), which still reads far less than parsing every row's JSON.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec

from aiusage.records import UsageEvent
from aiusage.sources.logs.base import ParseResult
from aiusage.sources.logs.opencode import BAD, decode_message, message_event

MARGIN_MS = 60_000  # > OpenCode's busy timeout (5 s): a late-committing update
BUSY_TIMEOUT = 2.0  # seconds to wait for a writer's lock before trying again next run
MAX_BAD_IDS = 10_000
TABLES = ("message", "session_message")


def read_database(path: Path, state: dict[str, Any]) -> ParseResult:
    """Events of the rows changed since ``state`` (all rows when it is empty)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False)
    except sqlite3.Error as exc:
        raise OSError(f"cannot open the database read-only: {exc}") from exc
    try:
        return _Reader(conn, state).read()
    except sqlite3.Error as exc:  # locked, busy, corrupt, or an unknown schema
        raise OSError(f"database not readable now ({exc}); it is read again next run") from exc
    finally:
        conn.close()


class _Reader:
    def __init__(self, conn: sqlite3.Connection, state: dict[str, Any]) -> None:
        self.conn = conn
        self.state = state
        self.result = ParseResult()
        self.bad: dict[str, None] = dict.fromkeys(str(k) for k in state.get("bad", ()))
        self.directories: dict[str, str] | None = None
        self.events: list[UsageEvent] = self.result.events

    def read(self) -> ParseResult:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
        new_state: dict[str, Any] = {}
        for table in TABLES:
            if table not in tables:
                continue
            columns = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            if not {"id", "session_id", "data"} <= columns:
                continue
            new_state[table] = self._table(table, columns, self.state.get(table) or {})
        bad = list(self.bad)[-MAX_BAD_IDS:]
        new_state["bad"] = bad
        self.result.malformed = len(bad)
        self.result.state = new_state
        return self.result

    def _table(self, table: str, columns: set[str], prev: dict[str, Any]) -> dict[str, Any]:
        last_rowid = int(prev.get("rowid", -1))
        last_updated = int(prev.get("updated", 0))
        needs_project: list[tuple[int, str]] = []
        for rowid, row_id, session, kind, updated, data in self._rows(table, columns, prev):
            last_rowid = max(last_rowid, rowid)
            if isinstance(updated, int | float) and not isinstance(updated, bool):
                last_updated = max(last_updated, int(updated))
            if kind is not None and kind != "assistant":
                continue
            bad_key = f"{table}:{row_id}"
            self.bad.pop(bad_key, None)
            try:
                message = decode_message(data if isinstance(data, str | bytes) else b"")
            except (msgspec.DecodeError, msgspec.ValidationError):
                self.bad[bad_key] = None
                continue
            event = message_event(message, row_id=str(row_id), row_session=str(session))
            if event is BAD:
                self.bad[bad_key] = None
            elif event is not None:
                if not event.project:
                    needs_project.append((len(self.result.events), event.session))
                self.result.events.append(event)
        if needs_project:
            self._fill_projects(needs_project)
        return {"rowid": last_rowid, "updated": last_updated}

    def _rows(
        self, table: str, columns: set[str], prev: dict[str, Any]
    ) -> Iterator[tuple[int, Any, Any, Any, Any, Any]]:
        kind = "type" if "type" in columns else "NULL"
        updated = "time_updated" if "time_updated" in columns else "NULL"
        select = f"SELECT rowid, id, session_id, {kind}, {updated}, data FROM {table}"
        if prev and updated != "NULL":
            since = int(prev.get("updated", 0)) - MARGIN_MS
            sql = f"{select} WHERE rowid > ? OR time_updated >= ?"
            yield from self.conn.execute(sql, (int(prev.get("rowid", -1)), since))
        else:
            yield from self.conn.execute(select)

    def _fill_projects(self, needs: list[tuple[int, str]]) -> None:
        """Projects of rows without ``path`` (v2): the basename of ``session.directory``."""
        if self.directories is None:
            self.directories = {}
            try:
                rows = self.conn.execute("SELECT id, directory FROM session")
                self.directories = {str(i): str(d or "") for i, d in rows}
            except sqlite3.Error:
                pass
        events = self.result.events
        for index, session in needs:
            directory = self.directories.get(session, "").rstrip("/\\")
            if directory:
                name = directory.replace("\\", "/").rsplit("/", 1)[-1]
                events[index] = replace(events[index], project=name)
