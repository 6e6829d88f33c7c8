"""Accounts the clinic runs itself: staff invites, one-time account tokens (reset, activation,
e-mail change), disable reasons, date of birth, erasure.

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
    op.add_column("users", sa.Column("date_of_birth", sa.Date(), nullable=True))
    # Set when an admin erased the person: the row stays (visits, ratings, metrics refer to it).
    op.add_column("users", sa.Column("erased_at", TS, nullable=True))
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("new_email", sa.String(254), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.CheckConstraint("purpose IN ('password_reset', 'activation', 'email_change')",
                           name=op.f("ck_account_tokens_purpose_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_account_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index("ix_account_tokens_user_purpose_created", "account_tokens",
                    ["user_id", "purpose", "created_at"])


    # Erasure (GDPR art. 17) may rewrite the `data` of an entry, and nothing else of it, inside a
    # transaction that said so (erasure.erase_patient): who did what when stays append-only.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND current_setting('doctorbook.erasure', true) = 'on'
               AND NEW.id = OLD.id AND NEW.at = OLD.at
               AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
               AND NEW.actor_role IS NOT DISTINCT FROM OLD.actor_role
               AND NEW.action = OLD.action
               AND NEW.entity_kind IS NOT DISTINCT FROM OLD.entity_kind
               AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )


def downgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )
    op.drop_index("ix_account_tokens_user_purpose_created", table_name="account_tokens")
    op.drop_table("account_tokens")
    op.drop_column("users", "erased_at")
    op.drop_column("users", "date_of_birth")
    op.drop_column("users", "disabled_reason")
    op.drop_constraint(op.f("ck_invites_role_invitable"), "invites", type_="check")
    op.drop_column("invites", "role")
