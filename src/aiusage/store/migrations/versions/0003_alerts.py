"""alerts: each alert key's state (armed, last sent) and the log of every alert fired

Revision ID: 0003_alerts
Revises: 0002_account_health
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_alerts"
down_revision = "0002_account_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_state",
        sa.Column("alert_key", sa.String(255), primary_key=True),
        sa.Column("active", sa.Integer, nullable=False, server_default="0"),
        sa.Column("severity", sa.String(16), nullable=False, server_default=""),
        sa.Column("since_ms", sa.BigInteger, nullable=True),
        sa.Column("last_sent_ms", sa.BigInteger, nullable=True),
        sa.Column("sent_severity", sa.String(16), nullable=False, server_default=""),
        sa.Column("value", sa.Float, nullable=True),
    )
    op.create_table(
        "alert_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("alert_key", sa.String(255), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("delivery", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_alert_log_ts", "alert_log", ["ts_ms"])


def downgrade() -> None:
    op.drop_index("ix_alert_log_ts", table_name="alert_log")
    op.drop_table("alert_log")
    op.drop_table("alert_state")
