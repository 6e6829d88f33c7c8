"""Narrow slots: no created/updated times, no unique (doctor_id, starts_at) beside the
exclusion constraint that already implies it. 275 B per slot (table and indexes) at 1,000
doctors became about 227 B: the target is 250 B at a network's 14 M slots.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_constraint(op.f("uq_availability_slots_doctor_id"), "availability_slots",
                       type_="unique")
    op.drop_column("availability_slots", "created_at")
    op.drop_column("availability_slots", "updated_at")


def downgrade() -> None:
    op.add_column("availability_slots", sa.Column(
        "created_at", TS, server_default=sa.func.now(), nullable=False))
    op.add_column("availability_slots", sa.Column(
        "updated_at", TS, server_default=sa.func.now(), nullable=False))
    op.alter_column("availability_slots", "created_at", server_default=None)
    op.alter_column("availability_slots", "updated_at", server_default=None)
    op.create_unique_constraint(op.f("uq_availability_slots_doctor_id"), "availability_slots",
                                ["doctor_id", "starts_at"])
