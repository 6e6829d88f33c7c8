"""Failed logins are throttled per (e-mail, origin), not by locking the account (issue 10).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("email_key", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("failed_at", postgresql.ARRAY(TS), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column("strikes", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("last_success_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("strikes >= 0", name=op.f("ck_login_throttles_strikes_not_negative")),
        sa.PrimaryKeyConstraint("email_key", "origin", name=op.f("pk_login_throttles")),
    )
    op.create_index(op.f("ix_login_throttles_updated_at"), "login_throttles", ["updated_at"])
    # The per-account lock is gone: one origin must not be able to lock an account for all.
    # A lock running at upgrade time simply ends early.
    op.drop_column("users", "locked_until")


def downgrade() -> None:
    op.add_column("users", sa.Column("locked_until", TS, nullable=True))
    op.drop_index(op.f("ix_login_throttles_updated_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
