"""account health: each provider account's status, last success and collection cursor

Revision ID: 0002_account_health
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_account_health"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_health",
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("hint", sa.Text, nullable=False, server_default=""),
        sa.Column("last_attempt_ms", sa.BigInteger, nullable=True),
        sa.Column("last_success_ms", sa.BigInteger, nullable=True),
        sa.Column("complete_until_ms", sa.BigInteger, nullable=True),
        sa.Column("retry_at_ms", sa.BigInteger, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("account_health")
