"""Bring a database to the newest schema with Alembic (imported only when needed)."""

from __future__ import annotations

from pathlib import Path

from aiusage.errors import StoreError
from aiusage.store.db import is_postgres_url, sqlite_path

MIGRATIONS = Path(__file__).with_name("migrations")


def sqlalchemy_url(url: str) -> str:
    """Our URL in the form SQLAlchemy expects (psycopg 3 driver for PostgreSQL)."""
    if is_postgres_url(url):
        scheme, rest = url.split("://", 1)
        return f"postgresql+psycopg://{rest}" if "+" not in scheme else url
    return f"sqlite:///{sqlite_path(url)}"


def upgrade(url: str) -> None:
    """Run every pending migration in one transaction."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Exception as exc:
        raise StoreError(f"cannot migrate the database: {exc}") from exc
    finally:
        engine.dispose()


FRESH_SQLITE_SCHEMA = Path(__file__).with_name("fresh_sqlite.sql")


def render_fresh_sqlite() -> str:
    """The DDL all migrations produce on an empty SQLite database (Alembic offline mode).

    ``fresh_sqlite.sql`` holds this text so that creating a new store needs no SQLAlchemy
    or Alembic import (~0.8 s); a test checks the file against this function.
    """
    import io

    from alembic import command
    from alembic.config import Config

    buf = io.StringIO()
    cfg = Config(output_buffer=buf)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["dialect"] = "sqlite"
    command.upgrade(cfg, "head", sql=True)
    return buf.getvalue()


def head_revision() -> str:
    """The newest revision in the migrations folder (tests compare it with SCHEMA_HEAD)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:  # pragma: no cover - the folder ships with migrations
        raise StoreError("no migrations found")
    return head
