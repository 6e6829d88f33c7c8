"""Booking: appointments linked to slots, lifecycle columns, private notes, database invariants.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# Every status but cancelled holds its slot and the patient's time (completed and no-show are
# kept too: they are history that must never be double-booked after the fact).
HOLDS = sa.text("status <> 'cancelled'")


def upgrade() -> None:
    add = op.add_column
    add("appointments", sa.Column("slot_id", sa.BigInteger(), nullable=True))
    add("appointments", sa.Column("cancelled_by_id", sa.BigInteger(), nullable=True))
    add("appointments", sa.Column("cancelled_at", TS, nullable=True))
    add("appointments", sa.Column("late_cancel", sa.Boolean(), server_default=sa.false(),
                                  nullable=False))
    add("appointments", sa.Column("rescheduled_from_id", sa.BigInteger(), nullable=True))
    add("appointments", sa.Column("sequence", sa.Integer(), server_default=sa.text("0"),
                                  nullable=False))
    add("appointments", sa.Column("policy_override", sa.Boolean(), server_default=sa.false(),
                                  nullable=False))
    op.create_foreign_key(
        op.f("fk_appointments_slot_id_availability_slots"), "appointments",
        "availability_slots", ["slot_id"], ["id"], ondelete="SET NULL",
    )
    op.create_foreign_key(
        op.f("fk_appointments_cancelled_by_id_users"), "appointments", "users",
        ["cancelled_by_id"], ["id"],
    )
    op.create_foreign_key(
        op.f("fk_appointments_rescheduled_from_id_appointments"), "appointments",
        "appointments", ["rescheduled_from_id"], ["id"],
    )
    # At most one live appointment per slot.
    op.create_index("uq_appointments_slot_live", "appointments", ["slot_id"], unique=True,
                    postgresql_where=HOLDS)
    op.create_index("ix_appointments_doctor_starts", "appointments", ["doctor_id", "starts_at"])
    # No two overlapping live appointments for one patient.
    op.create_exclude_constraint(
        "ex_appointments_patient_no_overlap",
        "appointments",
        (sa.column("patient_id"), "="),
        (sa.func.tstzrange(sa.column("starts_at"), sa.column("ends_at")), "&&"),
        using="gist",
        where=HOLDS,
    )

    op.create_table(
        "appointment_notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("appointment_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 10000",
                           name=op.f("ck_appointment_notes_body_length")),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"],
                                name=op.f("fk_appointment_notes_appointment_id_appointments"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_appointment_notes_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_notes")),
    )
    op.create_index(op.f("ix_appointment_notes_appointment_id"), "appointment_notes",
                    ["appointment_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_appointment_notes_appointment_id"), table_name="appointment_notes")
    op.drop_table("appointment_notes")
    op.drop_constraint("ex_appointments_patient_no_overlap", "appointments")
    op.drop_index("ix_appointments_doctor_starts", table_name="appointments")
    op.drop_index("uq_appointments_slot_live", table_name="appointments", postgresql_where=HOLDS)
    for fk in ("fk_appointments_rescheduled_from_id_appointments",
               "fk_appointments_cancelled_by_id_users",
               "fk_appointments_slot_id_availability_slots"):
        op.drop_constraint(fk, "appointments", type_="foreignkey")
    for col in ("policy_override", "sequence", "rescheduled_from_id", "late_cancel",
                "cancelled_at", "cancelled_by_id", "slot_id"):
        op.drop_column("appointments", col)
