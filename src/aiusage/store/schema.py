"""The tables, as SQLAlchemy Core metadata: the reference the migrations must produce.

Imported only by migrations and tests — importing SQLAlchemy costs ~0.45 s on a small
machine, more than a warm report may take, so the hot paths use plain DB-API SQL
(see ``db.py``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

usage_events = Table(
    "usage_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("dedup_key", String(255), nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Column("account", String(128), nullable=False, server_default=""),
    Column("provider", String(64), nullable=False, server_default=""),
    Column("model", String(128), nullable=False, server_default=""),
    Column("project", String(512), nullable=False, server_default=""),
    Column("session", String(255), nullable=False, server_default=""),
    Column("input_tokens", BigInteger, nullable=False, server_default="0"),
    Column("output_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cache_read_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cache_write_5m_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cache_write_1h_tokens", BigInteger, nullable=False, server_default="0"),
    Column("reasoning_tokens", BigInteger, nullable=False, server_default="0"),
    Column("total_tokens", BigInteger, nullable=False, server_default="0"),
    Column("requests", Integer, nullable=False, server_default="1"),
    Column("cost_reported_usd", Float, nullable=True),
    Column("cost_calc_usd", Float, nullable=True),
    Column("group_key", String(255), nullable=False, server_default=""),
    Column("sidechain", SmallInteger, nullable=False, server_default="0"),
    Column("hidden", SmallInteger, nullable=False, server_default="0"),
    Column("meta", Text, nullable=False, server_default="{}"),
    # On a team server: who pushed it, from which machine (empty in a local store).
    Column("user_name", String(64), nullable=False, server_default=""),
    Column("machine", String(128), nullable=False, server_default=""),
    UniqueConstraint("source", "dedup_key", name="uq_usage_events_source_dedup"),
    Index("ix_usage_events_ts", "ts_ms"),
    Index("ix_usage_events_group", "source", "group_key"),
    Index("ix_usage_events_user_ts", "user_name", "ts_ms"),
)


def _sums(*names: str) -> list[Column[int]]:
    return [Column(n, BigInteger, nullable=False, server_default="0") for n in names]


# Sums per 15-minute bucket: every UTC offset in use is a multiple of 15 minutes, so local
# days (and --since/--until) fall on bucket edges and reports never scan usage_events.
usage_rollup = Table(
    "usage_rollup",
    metadata,
    Column("bucket", BigInteger, primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("model", String(128), primary_key=True),
    Column("project", String(512), primary_key=True),
    *_sums(
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
    Column("cost_reported_usd", Float, nullable=False, server_default="0"),
    Column("cost_calc_usd", Float, nullable=False, server_default="0"),
    Column("cost_auto_usd", Float, nullable=False, server_default="0"),
)

observations = Table(
    "observations",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("account", String(128), nullable=False),
    Column("metric", String(128), nullable=False),
    Column("window_name", String(64), nullable=False, server_default=""),
    Column("value", Float, nullable=False),
    Column("limit_value", Float, nullable=True),
    Column("unit", String(32), nullable=False, server_default=""),
    Column("resets_at_ms", BigInteger, nullable=True),
    Column("source", String(64), nullable=False, server_default=""),
    Column("kind", String(16), nullable=False, server_default="official"),
    Column("meta", Text, nullable=False, server_default="{}"),
    Column("user_name", String(64), nullable=False, server_default=""),
    Column("machine", String(128), nullable=False, server_default=""),
    UniqueConstraint(
        "user_name", "account", "metric", "window_name", "ts_ms", name="uq_observations_reading"
    ),
    Index("ix_observations_ts", "ts_ms"),
)

ingest_cursors = Table(
    "ingest_cursors",
    metadata,
    Column("path", String(2048), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("device", BigInteger, nullable=False),
    Column("inode", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("read_offset", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("state", Text, nullable=False, server_default="{}"),
    Column("malformed", Integer, nullable=False, server_default="0"),
    Column("updated_ms", BigInteger, nullable=False),
)

price_cache = Table(
    "price_cache",
    metadata,
    Column("model", String(128), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("rates", Text, nullable=False),
)

settings_kv = Table(
    "meta",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", Text, nullable=False),
)

account_health = Table(
    "account_health",
    metadata,
    Column("account", String(128), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("hint", Text, nullable=False, server_default=""),
    Column("last_attempt_ms", BigInteger, nullable=True),
    Column("last_success_ms", BigInteger, nullable=True),
    Column("complete_until_ms", BigInteger, nullable=True),
    Column("retry_at_ms", BigInteger, nullable=True),
    Column("failures", Integer, nullable=False, server_default="0"),
)

alert_state = Table(
    "alert_state",
    metadata,
    Column("alert_key", String(255), primary_key=True),
    Column("active", Integer, nullable=False, server_default="0"),
    Column("severity", String(16), nullable=False, server_default=""),
    Column("since_ms", BigInteger, nullable=True),
    Column("last_sent_ms", BigInteger, nullable=True),
    Column("sent_severity", String(16), nullable=False, server_default=""),
    Column("value", Float, nullable=True),
)

alert_log = Table(
    "alert_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("alert_key", String(255), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False, server_default=""),
    Column("value", Float, nullable=True),
    Column("threshold", Float, nullable=True),
    Column("status", String(16), nullable=False),
    Column("delivery", Text, nullable=False, server_default="{}"),
    Index("ix_alert_log_ts", "ts_ms"),
)


# -- team mode (migration 0004) -------------------------------------------------------
team_users = Table(
    "team_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # admin | member | viewer
    Column("department", String(128), nullable=False, server_default=""),
    Column("email", String(255), nullable=False, server_default=""),
    Column("hide_projects", SmallInteger, nullable=False, server_default="0"),
    Column("leaderboard", SmallInteger, nullable=False, server_default="0"),
    Column("created_ms", BigInteger, nullable=False),
    Column("disabled_ms", BigInteger, nullable=True),
)

team_tokens = Table(
    "team_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", String(128), nullable=False, server_default=""),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_used_ms", BigInteger, nullable=True),
    Column("revoked_ms", BigInteger, nullable=True),
    Index("ix_team_tokens_user", "user_id"),
)

team_audit = Table(
    "team_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(255), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("ix_team_audit_ts", "ts_ms"),
)

# Sums per member per local day (the server's zone): the team views read these, never the
# events, so an overview of 1,000 members x a year stays a small scan.
team_daily = Table(
    "team_daily",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("user_name", String(64), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("model", String(128), primary_key=True),
    Column("project", String(512), primary_key=True),
    *_sums(
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
        "requests",
        "events",
    ),
    Column("cost_usd", Float, nullable=False, server_default="0"),
    Index("ix_team_daily_user_day", "user_name", "day"),
)

# The same per member, local day and project (migration 0005): what the team views read
# (overview, leaderboard, pools, chargeback) — a few rows per member-day.
team_member_daily = Table(
    "team_member_daily",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("user_name", String(64), primary_key=True),
    Column("project", String(512), primary_key=True),
    *_sums("tokens", "requests", "events"),
    Column("cost_usd", Float, nullable=False, server_default="0"),
    Index("ix_team_member_daily_user_day", "user_name", "day"),
)

# A member's store: what is still to be pushed to the team server (written in the same
# transaction as the records, so a crash or days offline lose nothing).
team_outbox = Table(
    "team_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(3), nullable=False),  # ev | obs
    Column("source", String(64), nullable=False, server_default=""),
    Column("ref", String(255), nullable=False),  # dedup_key, or the observation's id
    UniqueConstraint("kind", "source", "ref", name="uq_team_outbox_ref"),
)
