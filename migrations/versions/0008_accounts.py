"""Accounts the clinic runs itself: staff invites, one-time account tokens, disable reasons.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Receptionists and admins join by invitation too; every invite so far was a doctor's.
    op.add_column("invites", sa.Column("role", sa.String(20), server_default=sa.text("'doctor'"),
                                       nullable=False))
    op.create_check_constraint(op.f("ck_invites_role_invitable"), "invites",
                               "role IN ('doctor', 'receptionist', 'admin')")
    op.add_column("users", sa.Column("disabled_reason", sa.String(500), nullable=True))
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.CheckConstraint("purpose IN ('password_reset', 'activation')",
                           name=op.f("ck_account_tokens_purpose_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_account_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index("ix_account_tokens_user_purpose_created", "account_tokens",
                    ["user_id", "purpose", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_account_tokens_user_purpose_created", table_name="account_tokens")
    op.drop_table("account_tokens")
    op.drop_column("users", "disabled_reason")
    op.drop_constraint(op.f("ck_invites_role_invitable"), "invites", type_="check")
    op.drop_column("invites", "role")
