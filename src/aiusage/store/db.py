"""A thin DB-API layer over sqlite3 (stdlib) and psycopg 3, with one SQL dialect for both.

Why not SQLAlchemy on the hot path: importing it takes ~0.45 s on a 2-core machine,
more than a warm ``aiusage daily`` may take in total. SQLAlchemy Core still defines the
schema (``schema.py``) and Alembic migrates it; day-to-day statements are plain SQL that
SQLite and PostgreSQL both accept (``ON CONFLICT … DO UPDATE``, integer division), written
with ``:name`` placeholders and translated for psycopg.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from aiusage.errors import StoreBusyError, StoreError

Params = Mapping[str, Any]
_NAMED = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")

# The newest Alembic revision; `open_database` migrates when the stored one differs.
SCHEMA_HEAD = "0005_team_member_daily"


def is_postgres_url(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def sqlite_path(url: str) -> str:
    """The file path of a ``sqlite:///…`` URL (``sqlite://`` alone means in memory)."""
    if not url.startswith("sqlite:"):
        raise StoreError(f"not a SQLite URL: {url!r}")
    rest = url[len("sqlite:") :]
    if rest in ("", "//", "///:memory:", "//:memory:"):
        return ":memory:"
    if not rest.startswith("///"):
        raise StoreError(
            f"cannot read SQLite URL {url!r}", hint="use sqlite:///relative.db or sqlite:////abs.db"
        )
    return unquote(rest[3:].split("?", 1)[0])


def _psycopg_conninfo(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    return parts._replace(scheme="postgresql" if scheme == "postgres" else scheme).geturl()


class Database:
    """One connection plus the few operations the store needs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = is_postgres_url(url)
        self._sql_cache: dict[str, str] = {}
        if self.is_postgres:
            try:
                import psycopg
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise StoreError(
                    "PostgreSQL support is not installed",
                    hint="install the extra: pip install 'aiusage[postgres]'",
                ) from exc
            try:
                self._conn: Any = psycopg.connect(_psycopg_conninfo(url), autocommit=False)
            except psycopg.Error as exc:
                raise StoreError(
                    f"cannot connect to PostgreSQL at {redact_url(url)}: {exc}"
                ) from exc
        else:
            path = sqlite_path(url)
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the database {path}: {exc}") from exc
            self._conn = conn
            self._in_tx = False

    # -- statements ---------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        if not self.is_postgres:
            return sql
        cached = self._sql_cache.get(sql)
        if cached is None:
            cached = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
            self._sql_cache[sql] = cached
        return cached

    def execute(self, sql: str, params: Params | None = None) -> None:
        with self._errors():
            self._conn.execute(self._sql(sql), params or {})

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if not rows:
            return
        with self._errors():
            cur = self._conn.cursor()
            cur.executemany(self._sql(sql), rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """PostgreSQL's ``COPY … FROM STDIN``: the quickest way in for many rows (a team
        server's pushes; half the time of a pipelined executemany)."""
        if not self.is_postgres:
            raise StoreError("COPY is PostgreSQL's")
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self._errors(), self._conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def query(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        with self._errors():
            cur = self._conn.execute(self._sql(sql), params or {})
            return list(cur.fetchall())

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def table_exists(self, name: str) -> bool:
        if self.is_postgres:
            sql = "SELECT 1 FROM information_schema.tables WHERE table_name = :n"
        else:
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"
        return bool(self.query(sql, {"n": name}))

    def is_empty(self) -> bool:
        return not self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1")

    def create_fresh_sqlite(self) -> None:
        """Create the newest schema in an empty SQLite file from the pre-rendered DDL."""
        ddl = (Path(__file__).with_name("fresh_sqlite.sql")).read_text(encoding="utf-8")
        try:
            self._conn.executescript(f"BEGIN IMMEDIATE;\n{ddl}\nCOMMIT;")
        except sqlite3.OperationalError:
            # Another aiusage created it at the same moment: use theirs.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if not self.table_exists("alembic_version"):
                raise

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all (kill -9 safe)."""
        if self.is_postgres:
            with self._errors():
                try:
                    yield
                    self._conn.commit()
                except BaseException:
                    self._conn.rollback()
                    raise
            return
        with self._errors():
            self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            with self._errors():
                self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def commit(self) -> None:
        """Ends PostgreSQL's implicit read transaction (SQLite runs in autocommit)."""
        if self.is_postgres:
            self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if "locked" in msg or "busy" in msg:
                raise StoreBusyError(f"the database is busy: {msg}") from exc
            if "disk" in msg or "full" in msg:
                raise StoreError(
                    f"cannot write the database: {msg}",
                    hint="free some disk space; nothing was lost, the next run resumes",
                ) from exc
            raise StoreError(f"database error: {msg}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"database error: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):
                raise StoreError(f"database error: {exc}") from exc
            raise


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
