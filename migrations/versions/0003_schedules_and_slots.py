"""Schedules and slots: weekly rules, per-date exceptions, materialised availability slots.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "schedule_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("doctor_id", sa.BigInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_schedule_rules_weekday_range")),
        sa.CheckConstraint(
            "end_time > start_time", name=op.f("ck_schedule_rules_ends_after_start")
        ),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 5 AND 480", name=op.f("ck_schedule_rules_slot_minutes_range")
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from",
            name=op.f("ck_schedule_rules_valid_range"),
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.user_id"],
            name=op.f("fk_schedule_rules_doctor_id_doctors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_rules")),
    )
    op.create_index(
        op.f("ix_schedule_rules_doctor_id"), "schedule_rules", ["doctor_id"], unique=False
    )

    op.create_table(
        "schedule_exceptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("doctor_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(
            "kind IN ('off', 'hours', 'extra')", name=op.f("ck_schedule_exceptions_kind_known")
        ),
        sa.CheckConstraint(
            "(kind = 'off' AND start_time IS NULL AND end_time IS NULL) OR "
            "(kind <> 'off' AND start_time IS NOT NULL AND end_time IS NOT NULL "
            "AND end_time > start_time)",
            name=op.f("ck_schedule_exceptions_times_match_kind"),
        ),
        sa.CheckConstraint(
            "slot_minutes IS NULL OR slot_minutes BETWEEN 5 AND 480",
            name=op.f("ck_schedule_exceptions_slot_minutes_range"),
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.user_id"],
            name=op.f("fk_schedule_exceptions_doctor_id_doctors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_exceptions")),
    )
    op.create_index(
        "ix_schedule_exceptions_doctor_date",
        "schedule_exceptions",
        ["doctor_id", "date"],
        unique=False,
    )

    op.create_table(
        "availability_slots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("doctor_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'open'"), nullable=False
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'booked', 'blocked')",
            name=op.f("ck_availability_slots_status_known"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_availability_slots_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.user_id"],
            name=op.f("fk_availability_slots_doctor_id_doctors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_slots")),
        sa.UniqueConstraint(
            "doctor_id", "starts_at", name=op.f("uq_availability_slots_doctor_id")
        ),
    )
    # sa.text("tstzrange(...)") crashes create_exclude_constraint; a function expression works.
    op.create_exclude_constraint(
        "ex_availability_slots_no_overlap",
        "availability_slots",
        (sa.column("doctor_id"), "="),
        (sa.func.tstzrange(sa.column("starts_at"), sa.column("ends_at")), "&&"),
        using="gist",
    )
    op.create_index(
        "ix_availability_slots_open",
        "availability_slots",
        ["doctor_id", "starts_at"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_availability_slots_open",
        table_name="availability_slots",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_table("availability_slots")
    op.drop_index("ix_schedule_exceptions_doctor_date", table_name="schedule_exceptions")
    op.drop_table("schedule_exceptions")
    op.drop_index(op.f("ix_schedule_rules_doctor_id"), table_name="schedule_rules")
    op.drop_table("schedule_rules")

