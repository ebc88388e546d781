"""team: who each record came from, people and their tokens, the audit log, the team's
day sums, and the push outbox of a member's store

Revision ID: 0004_team
Revises: 0003_alerts

On a team server, usage events and observations carry the member (``user_name``) and the
machine that pushed them; a local store leaves both empty. Observations are unique per
member too: two members' ``claude-code`` windows are different windows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_team"
down_revision = "0003_alerts"
branch_labels = None
depends_on = None

_SUMS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "requests",
    "events",
)


def _observations(old_unique: bool) -> sa.Table:
    """The observations table with the member columns, and its old or new unique key."""
    key = ["account", "metric", "window_name", "ts_ms"]
    return sa.Table(
        "observations",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
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
        sa.Column("user_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("machine", sa.String(128), nullable=False, server_default=""),
        sa.UniqueConstraint(
            *(key if old_unique else ["user_name", *key]), name="uq_observations_reading"
        ),
        sa.Index("ix_observations_ts", "ts_ms"),
    )


def upgrade() -> None:
    for table in ("usage_events", "observations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("user_name", sa.String(64), nullable=False, server_default="")
            )
            batch.add_column(
                sa.Column("machine", sa.String(128), nullable=False, server_default="")
            )
    # SQLite rebuilds the table to change a constraint; the table as it stands is given
    # (not reflected) so the offline DDL of a fresh store renders too.
    with op.batch_alter_table("observations", copy_from=_observations(old_unique=True)) as batch:
        batch.drop_constraint("uq_observations_reading", type_="unique")
        batch.create_unique_constraint(
            "uq_observations_reading", ["user_name", "account", "metric", "window_name", "ts_ms"]
        )
    op.create_index("ix_usage_events_user_ts", "usage_events", ["user_name", "ts_ms"])

    op.create_table(
        "team_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),  # admin | member | viewer
        sa.Column("department", sa.String(128), nullable=False, server_default=""),
        sa.Column("email", sa.String(255), nullable=False, server_default=""),
        sa.Column("hide_projects", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("leaderboard", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("disabled_ms", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "team_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(128), nullable=False, server_default=""),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("last_used_ms", sa.BigInteger, nullable=True),
        sa.Column("revoked_ms", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_team_tokens_user", "team_tokens", ["user_id"])
    op.create_table(
        "team_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_team_audit_ts", "team_audit", ["ts_ms"])
    op.create_table(
        "team_daily",
        sa.Column("day", sa.Integer, primary_key=True),  # local day number, server's zone
        sa.Column("user_name", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("project", sa.String(512), primary_key=True),
        *(sa.Column(c, sa.BigInteger, nullable=False, server_default="0") for c in _SUMS),
        sa.Column("cost_usd", sa.Float, nullable=False, server_default="0"),
    )
    op.create_index("ix_team_daily_user_day", "team_daily", ["user_name", "day"])
    op.create_table(
        "team_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(3), nullable=False),  # ev | obs
        sa.Column("source", sa.String(64), nullable=False, server_default=""),
        sa.Column("ref", sa.String(255), nullable=False),  # dedup_key, or observation id
        sa.UniqueConstraint("kind", "source", "ref", name="uq_team_outbox_ref"),
    )


def downgrade() -> None:
    op.drop_table("team_outbox")
    op.drop_index("ix_team_daily_user_day", table_name="team_daily")
    op.drop_table("team_daily")
    op.drop_index("ix_team_audit_ts", table_name="team_audit")
    op.drop_table("team_audit")
    op.drop_index("ix_team_tokens_user", table_name="team_tokens")
    op.drop_table("team_tokens")
    op.drop_table("team_users")
    op.drop_index("ix_usage_events_user_ts", table_name="usage_events")
    with op.batch_alter_table("observations", copy_from=_observations(old_unique=False)) as batch:
        batch.drop_constraint("uq_observations_reading", type_="unique")
        batch.create_unique_constraint(
            "uq_observations_reading", ["account", "metric", "window_name", "ts_ms"]
        )
    for table in ("observations", "usage_events"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("machine")
            batch.drop_column("user_name")
