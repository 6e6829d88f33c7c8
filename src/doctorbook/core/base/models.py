"""Typed SQLAlchemy 2.0 models (accounts in account_models); only migrations change the schema."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    Uuid,
    and_,
    column,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, ExcludeConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from doctorbook.core.base.account_models import AuditEntry, AuthSession, User
from doctorbook.core.base.schema_base import NAMING_CONVENTION, TS, Base

__all__ = [
    "NAMING_CONVENTION", "TS", "Appointment", "AppointmentNote", "AuditEntry", "AuthSession",
    "AvailabilitySlot", "Base", "Doctor", "DoctorRequest", "DoctorSpecialty", "EmailOutbox",
    "Event", "Invite", "NpsResponse", "Review", "ScheduleException", "ScheduleRule",
    "Specialty", "User",
]


class Appointment(Base):
    """A booked visit: holds its slot and the patient's time until it is cancelled."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'checked_in', 'completed', 'no_show', "
            "'cancelled')",
            name="status_known",
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # One live appointment per slot; no overlapping live appointments per patient.
        Index("uq_appointments_slot_live", "slot_id", unique=True,
              postgresql_where=text("status <> 'cancelled'")),
        Index("ix_appointments_doctor_starts", "doctor_id", "starts_at"),
        ExcludeConstraint(
            (column("patient_id"), "="),
            (func.tstzrange(column("starts_at"), column("ends_at")), "&&"),
            name="ex_appointments_patient_no_overlap",
            using="gist",
            where=text("status <> 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # SET NULL: regenerating slots may delete an open slot a cancelled visit pointed at.
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("availability_slots.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(TS, index=True)
    ends_at: Mapped[datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(TS)
    late_cancel: Mapped[bool] = mapped_column(server_default=text("false"))
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # The iCalendar SEQUENCE: bumped on every change the patient's calendar must follow.
    sequence: Mapped[int] = mapped_column(server_default=text("0"))
    policy_override: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)


class AppointmentNote(Base):
    """A doctor's private note: never shown to patients or receptionists, never e-mailed."""

    __tablename__ = "appointment_notes"
    __table_args__ = (
        CheckConstraint("length(body) BETWEEN 1 AND 10000", name="body_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)


class EmailOutbox(Base):
    """An e-mail to send, written in the transaction of the change that causes it.

    A row holds the template's name and the facts it needs (small JSON, frozen at queue time);
    the dispatcher renders the words when it sends. `subject`, `text_body` and `html_body` read
    as the rendered e-mail: stored text where there is some (rows queued before the facts,
    bodies blanked or erased), else rendered from the facts by the mail layer's renderer.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status_known"
        ),
        # The dispatcher's two claim paths: due pending rows, and leases that ran out.
        Index(
            "ix_email_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")
        ),
        Index(
            "ix_email_outbox_lease", "lease_until", postgresql_where=text("status = 'sending'")
        ),
        Index("ix_email_outbox_entity", "entity_kind", "entity_id"),
    )

    #: (row, "subject" | "text" | "html") -> that part rendered from the row's facts. Installed
    #: by core.mail.outbox: this layer can't import the templates' layer above it.
    renderer: ClassVar[Callable[[EmailOutbox, str], str | None] | None] = None

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(200))
    template: Mapped[str | None] = mapped_column(String(60))
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    stored_subject: Mapped[str | None] = mapped_column("subject", Text)
    stored_text: Mapped[str | None] = mapped_column("text_body", Text)
    stored_html: Mapped[str | None] = mapped_column("html_body", Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"), index=True)
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    max_attempts: Mapped[int | None] = mapped_column()
    next_attempt_at: Mapped[datetime] = mapped_column(TS)
    lease_until: Mapped[datetime | None] = mapped_column(TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    entity_kind: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    # The facts carry a secret (an invite token): blanked once sent or failed for good.
    contains_secret: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    sent_at: Mapped[datetime | None] = mapped_column(TS)

    def _rendered(self, part: str) -> str | None:
        renderer = EmailOutbox.renderer
        if renderer is None or self.template is None or self.facts is None:
            return None
        return renderer(self, part)

    @hybrid_property
    def subject(self) -> str:
        if self.stored_subject is not None:
            return self.stored_subject
        return self._rendered("subject") or ""

    @subject.inplace.setter
    def _subject_set(self, value: str | None) -> None:
        self.stored_subject = value

    @subject.inplace.expression
    @classmethod
    def _subject_expression(cls) -> Any:
        return cls.stored_subject

    @hybrid_property
    def text_body(self) -> str:
        # Stored text (a blanked or erased body included) wins: it is what may be shown.
        if self.stored_text is not None:
            return self.stored_text
        return self._rendered("text") or ""

    @text_body.inplace.setter
    def _text_body_set(self, value: str | None) -> None:
        self.stored_text = value

    @text_body.inplace.expression
    @classmethod
    def _text_body_expression(cls) -> Any:
        return cls.stored_text

    @hybrid_property
    def html_body(self) -> str | None:
        # A stored text body means stored words throughout: its HTML is the stored one (or none).
        return self.stored_html if self.stored_text is not None else self._rendered("html")

    @html_body.inplace.setter
    def _html_body_set(self, value: str | None) -> None:
        self.stored_html = value

    @html_body.inplace.expression
    @classmethod
    def _html_body_expression(cls) -> Any:
        return cls.stored_html


class Specialty(Base):
    __tablename__ = "specialties"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Lower-cased, spaces folded: unique, so names differing only in case are one specialty.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(TS)


class Doctor(Base):
    """A doctor's public profile, keyed by their user account."""

    __tablename__ = "doctors"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended')", name="status_known"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 480", name="slot_minutes_range"),
        CheckConstraint("lead_minutes BETWEEN 0 AND 43200", name="lead_minutes_range"),
        CheckConstraint("cancel_hours BETWEEN 0 AND 720", name="cancel_hours_range"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20), server_default=text("'active'"))
    bio: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    clinic_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    slot_minutes: Mapped[int] = mapped_column(server_default=text("30"))
    lead_minutes: Mapped[int] = mapped_column(server_default=text("120"))
    cancel_hours: Mapped[int] = mapped_column(server_default=text("24"))
    auto_confirm: Mapped[bool] = mapped_column(server_default=text("true"))
    # Visible reviews, kept up to date with them: search sorts by rating without a join.
    review_count: Mapped[int] = mapped_column(server_default=text("0"))
    rating_total: Mapped[int] = mapped_column(server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)


class DoctorSpecialty(Base):
    __tablename__ = "doctor_specialties"

    doctor_id: Mapped[int] = mapped_column(
        ForeignKey("doctors.user_id", ondelete="CASCADE"), primary_key=True
    )
    # RESTRICT: a specialty in use can't be removed (the service says so first).
    specialty_id: Mapped[int] = mapped_column(
        ForeignKey("specialties.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class DoctorRequest(Base):
    """A self-serve request to join as a doctor, approved or rejected by an admin."""

    __tablename__ = "doctor_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        Index("uq_doctor_requests_pending_email", "email", unique=True,
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))
    created_at: Mapped[datetime] = mapped_column(TS)
    decided_at: Mapped[datetime | None] = mapped_column(TS)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Invite(Base):
    """A one-time, e-mail-bound invitation (a doctor or staff); only the token's digest is kept."""

    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        # Re-inviting replaces the old token: at most one live invite per e-mail.
        Index("uq_invites_live_email", "email", unique=True,
              postgresql_where=text("used_at IS NULL AND revoked_at IS NULL")),
        CheckConstraint("role IN ('doctor', 'receptionist', 'admin')", name="role_invitable"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The role the account gets: doctors, and staff (receptionists, admins) since 0008.
    role: Mapped[str] = mapped_column(String(20), server_default=text("'doctor'"))
    specialty_ids: Mapped[list[int]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    expires_at: Mapped[datetime] = mapped_column(TS)
    used_at: Mapped[datetime | None] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("doctor_requests.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TS)


class ScheduleRule(Base):
    """A weekly working window in the doctor's local wall-clock time."""

    __tablename__ = "schedule_rules"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 480", name="slot_minutes_range"),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from",
            name="valid_range",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(
        ForeignKey("doctors.user_id", ondelete="CASCADE"), index=True
    )
    # 0 = Monday, as Python's date.weekday().
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column()
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(TS)


class ScheduleException(Base):
    """One date overridden: a day off, changed hours (replace the rules) or extra hours."""

    __tablename__ = "schedule_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('off', 'hours', 'extra')", name="kind_known"),
        CheckConstraint(
            "(kind = 'off' AND start_time IS NULL AND end_time IS NULL) OR "
            "(kind <> 'off' AND start_time IS NOT NULL AND end_time IS NOT NULL "
            "AND end_time > start_time)",
            name="times_match_kind",
        ),
        CheckConstraint(
            "slot_minutes IS NULL OR slot_minutes BETWEEN 5 AND 480", name="slot_minutes_range"
        ),
        Index("ix_schedule_exceptions_doctor_date", "doctor_id", "date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.user_id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    # NULL: the doctor's default slot length at generation time.
    slot_minutes: Mapped[int | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TS)


class AvailabilitySlot(Base):
    """A materialised bookable slot; the database refuses overlaps per doctor.

    Kept narrow: a network holds millions (1,440 per doctor over 90 days), so each byte counts.
    No created/updated times (a slot's history is its appointments and the audit log), and no
    unique (doctor_id, starts_at): the exclusion constraint already refuses a second slot at the
    same start, and its GiST index answers a doctor's slots over a window (`in_window`).
    """

    __tablename__ = "availability_slots"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'booked', 'blocked')", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        ExcludeConstraint(
            (column("doctor_id"), "="),
            (func.tstzrange(column("starts_at"), column("ends_at")), "&&"),
            name="ex_availability_slots_no_overlap",
            using="gist",
        ),
        # Search reads only open slots by doctor and start: keep that index small.
        Index(
            "ix_availability_slots_open",
            "doctor_id",
            "starts_at",
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.user_id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(TS)
    ends_at: Mapped[datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String(10), server_default=text("'open'"))

    @classmethod
    def in_window(cls, since: Any, until: Any) -> ColumnElement[bool]:
        """Slots starting in [since, until): the overlap test lets the planner use the
        exclusion constraint's GiST index (doctor_id, tstzrange); the bounds on starts_at
        keep the exact meaning (a slot that began before `since` is not in the window)."""
        return and_(
            func.tstzrange(cls.starts_at, cls.ends_at).op("&&")(func.tstzrange(since, until)),
            cls.starts_at >= since, cls.starts_at < until,
        )


class Review(Base):
    """A patient's review of one completed visit (a trigger refuses any other)."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("comment IS NULL OR length(comment) <= 2000", name="comment_length"),
        Index("ix_reviews_doctor_created", "doctor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(server_default=text("false"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)


class NpsResponse(Base):
    """'How likely are you to recommend this clinic?' 0-10, once per visit."""

    __tablename__ = "nps_responses"
    __table_args__ = (CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(TS)


EVENT_KINDS = (
    "search_shown", "result_opened", "booking_made", "appointment_cancelled",
    "visit_completed", "visit_no_show", "email_sent", "email_failed",
)


class Event(Base):
    """A product event for metrics: ids and counts only, never personal data."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in EVENT_KINDS) + ")", name="kind_known"
        ),
        Index("ix_events_kind_at", "kind", "at"),
        Index("ix_events_search_id", "search_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(TS)
    kind: Mapped[str] = mapped_column(String(30))
    search_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    doctor_id: Mapped[int | None] = mapped_column(BigInteger)
    appointment_id: Mapped[int | None] = mapped_column(BigInteger)
    count: Mapped[int | None] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
