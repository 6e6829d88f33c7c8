"""E-mail outbox; doctors: specialties, profiles, invites and self-serve requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("to_name", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column(
            "attachments",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("entity_kind", sa.String(length=40), nullable=True),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column(
            "contains_secret", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')",
            name=op.f("ck_email_outbox_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_email_outbox_idempotency_key")),
    )
    op.create_index(
        "ix_email_outbox_due",
        "email_outbox",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_email_outbox_entity", "email_outbox", ["entity_kind", "entity_id"], unique=False
    )
    op.create_index(
        "ix_email_outbox_lease",
        "email_outbox",
        ["lease_until"],
        unique=False,
        postgresql_where=sa.text("status = 'sending'"),
    )
    op.create_index(op.f("ix_email_outbox_status"), "email_outbox", ["status"], unique=False)
    op.create_table(
        "specialties",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialties")),
        sa.UniqueConstraint("slug", name=op.f("uq_specialties_slug")),
    )
    op.create_table(
        "doctor_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_doctor_requests_status_known"),
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_doctor_requests_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_doctor_requests_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doctor_requests")),
    )
    op.create_index(
        "uq_doctor_requests_pending_email",
        "doctor_requests",
        ["email"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "doctors",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("clinic_name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), server_default=sa.text("30"), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), server_default=sa.text("120"), nullable=False),
        sa.Column("cancel_hours", sa.Integer(), server_default=sa.text("24"), nullable=False),
        sa.Column("auto_confirm", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'suspended')", name=op.f("ck_doctors_status_known")
        ),
        sa.CheckConstraint(
            "cancel_hours BETWEEN 0 AND 720", name=op.f("ck_doctors_cancel_hours_range")
        ),
        sa.CheckConstraint(
            "lead_minutes BETWEEN 0 AND 43200", name=op.f("ck_doctors_lead_minutes_range")
        ),
        sa.CheckConstraint(
            "price IS NULL OR price >= 0", name=op.f("ck_doctors_price_not_negative")
        ),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 5 AND 480", name=op.f("ck_doctors_slot_minutes_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_doctors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_doctors")),
    )
    op.create_index(op.f("ix_doctors_city"), "doctors", ["city"], unique=False)
    op.create_table(
        "doctor_specialties",
        sa.Column("doctor_id", sa.BigInteger(), nullable=False),
        sa.Column("specialty_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.user_id"],
            name=op.f("fk_doctor_specialties_doctor_id_doctors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specialty_id"],
            ["specialties.id"],
            name=op.f("fk_doctor_specialties_specialty_id_specialties"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("doctor_id", "specialty_id", name=op.f("pk_doctor_specialties")),
    )
    op.create_index(
        op.f("ix_doctor_specialties_specialty_id"),
        "doctor_specialties",
        ["specialty_id"],
        unique=False,
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "specialty_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inviter_id", sa.BigInteger(), nullable=True),
        sa.Column("request_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_invites_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["inviter_id"], ["users.id"], name=op.f("fk_invites_inviter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["doctor_requests.id"],
            name=op.f("fk_invites_request_id_doctor_requests"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_invites_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invites_token_hash")),
    )
    op.create_index(
        "uq_invites_live_email",
        "invites",
        ["email"],
        unique=True,
        postgresql_where=sa.text("used_at IS NULL AND revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_invites_live_email",
        table_name="invites",
        postgresql_where=sa.text("used_at IS NULL AND revoked_at IS NULL"),
    )
    op.drop_table("invites")
    op.drop_index(op.f("ix_doctor_specialties_specialty_id"), table_name="doctor_specialties")
    op.drop_table("doctor_specialties")
    op.drop_index(op.f("ix_doctors_city"), table_name="doctors")
    op.drop_table("doctors")
    op.drop_index(
        "uq_doctor_requests_pending_email",
        table_name="doctor_requests",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("doctor_requests")
    op.drop_table("specialties")
    op.drop_index(op.f("ix_email_outbox_status"), table_name="email_outbox")
    op.drop_index(
        "ix_email_outbox_lease",
        table_name="email_outbox",
        postgresql_where=sa.text("status = 'sending'"),
    )
    op.drop_index("ix_email_outbox_entity", table_name="email_outbox")
    op.drop_index(
        "ix_email_outbox_due",
        table_name="email_outbox",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("email_outbox")
