"""Reviews (one per completed visit), NPS answers, product events for metrics.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
EVENT_KINDS = (
    "'search_shown', 'result_opened', 'booking_made', 'appointment_cancelled', "
    "'visit_completed', 'visit_no_show', 'email_sent', 'email_failed'"
)

# The database itself refuses a review of a visit that is not its patient's completed one.
REVIEW_GUARD = """
CREATE FUNCTION reviews_require_completed_visit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.id = NEW.appointment_id AND a.status = 'completed'
          AND a.patient_id = NEW.patient_id AND a.doctor_id = NEW.doctor_id
    ) THEN
        RAISE EXCEPTION 'a review needs a completed appointment of its own patient'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reviews_require_completed_visit BEFORE INSERT OR UPDATE OF appointment_id,
    patient_id, doctor_id ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_require_completed_visit();
"""


def upgrade() -> None:
    op.add_column("doctors", sa.Column("review_count", sa.Integer(),
                                       server_default=sa.text("0"), nullable=False))
    op.add_column("doctors", sa.Column("rating_total", sa.Integer(),
                                       server_default=sa.text("0"), nullable=False))
    op.create_table(
        "reviews",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("appointment_id", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("doctor_id", sa.BigInteger(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("hidden_by_id", sa.BigInteger(), nullable=True),
        sa.Column("hidden_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reviews_rating_range")),
        sa.CheckConstraint("comment IS NULL OR length(comment) <= 2000",
                           name=op.f("ck_reviews_comment_length")),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"],
                                name=op.f("fk_reviews_appointment_id_appointments")),
        sa.ForeignKeyConstraint(["patient_id"], ["users.id"],
                                name=op.f("fk_reviews_patient_id_users")),
        sa.ForeignKeyConstraint(["doctor_id"], ["users.id"],
                                name=op.f("fk_reviews_doctor_id_users")),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["users.id"],
                                name=op.f("fk_reviews_hidden_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_reviews_appointment_id")),
    )
    op.create_index("ix_reviews_doctor_created", "reviews", ["doctor_id", "created_at"])
    op.execute(REVIEW_GUARD)

    op.create_table(
        "nps_responses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("appointment_id", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_nps_responses_score_range")),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"],
                                name=op.f("fk_nps_responses_appointment_id_appointments")),
        sa.ForeignKeyConstraint(["patient_id"], ["users.id"],
                                name=op.f("fk_nps_responses_patient_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_responses")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_nps_responses_appointment_id")),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("search_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("doctor_id", sa.BigInteger(), nullable=True),
        sa.Column("appointment_id", sa.BigInteger(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.CheckConstraint(f"kind IN ({EVENT_KINDS})", name=op.f("ck_events_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index("ix_events_search_id", "events", ["search_id"])


def downgrade() -> None:
    op.drop_index("ix_events_search_id", table_name="events")
    op.drop_index("ix_events_kind_at", table_name="events")
    op.drop_table("events")
    op.drop_table("nps_responses")
    op.execute("DROP TRIGGER reviews_require_completed_visit ON reviews")
    op.execute("DROP FUNCTION reviews_require_completed_visit()")
    op.drop_index("ix_reviews_doctor_created", table_name="reviews")
    op.drop_table("reviews")
    op.drop_column("doctors", "rating_total")
    op.drop_column("doctors", "review_count")
