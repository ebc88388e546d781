"""initial schema: usage events and their rollup, observations, cursors, price cache, meta

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _tokens(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.BigInteger, nullable=False, server_default="0") for n in names]


def upgrade() -> None:
    op.create_table(
        "usage_events",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("dedup_key", sa.String(255), nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("account", sa.String(128), nullable=False, server_default=""),
        sa.Column("provider", sa.String(64), nullable=False, server_default=""),
        sa.Column("model", sa.String(128), nullable=False, server_default=""),
        sa.Column("project", sa.String(512), nullable=False, server_default=""),
        sa.Column("session", sa.String(255), nullable=False, server_default=""),
        *_tokens(
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_5m_tokens",
            "cache_write_1h_tokens",
            "reasoning_tokens",
            "total_tokens",
        ),
        sa.Column("requests", sa.Integer, nullable=False, server_default="1"),
        sa.Column("cost_reported_usd", sa.Float, nullable=True),
        sa.Column("cost_calc_usd", sa.Float, nullable=True),
        sa.Column("group_key", sa.String(255), nullable=False, server_default=""),
        sa.Column("sidechain", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("hidden", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.UniqueConstraint("source", "dedup_key", name="uq_usage_events_source_dedup"),
    )
    op.create_index("ix_usage_events_ts", "usage_events", ["ts_ms"])
    op.create_index("ix_usage_events_group", "usage_events", ["source", "group_key"])

    op.create_table(
        "usage_rollup",
        sa.Column("bucket", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("project", sa.String(512), primary_key=True),
        *_tokens(
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_5m_tokens",
            "cache_write_1h_tokens",
            "reasoning_tokens",
            "requests",
            "events",
            "calc_unknown",
            "auto_unknown",
            "first_ms",
            "last_ms",
        ),
        sa.Column("cost_reported_usd", sa.Float, nullable=False, server_default="0"),
        sa.Column("cost_calc_usd", sa.Float, nullable=False, server_default="0"),
        sa.Column("cost_auto_usd", sa.Float, nullable=False, server_default="0"),
    )

    op.create_table(
        "observations",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("window_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("limit_value", sa.Float, nullable=True),
        sa.Column("unit", sa.String(32), nullable=False, server_default=""),
        sa.Column("resets_at_ms", sa.BigInteger, nullable=True),
        sa.Column("source", sa.String(64), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False, server_default="official"),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.UniqueConstraint(
            "account", "metric", "window_name", "ts_ms", name="uq_observations_reading"
        ),
    )
    op.create_index("ix_observations_ts", "observations", ["ts_ms"])

    op.create_table(
        "ingest_cursors",
        sa.Column("path", sa.String(2048), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("device", sa.BigInteger, nullable=False),
        sa.Column("inode", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("read_offset", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="{}"),
        sa.Column("malformed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "price_cache",
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rates", sa.Text, nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
