"""Appointments as people see them: listing and showing apply role and ownership rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, func, not_, or_, select
from sqlalchemy.orm import aliased

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import NotFound
from doctorbook.core.base.models import Appointment, AppointmentNote, Doctor, User
from doctorbook.core.base.rbac import Actor, Permission, require

if TYPE_CHECKING:
    from sqlalchemy import Select


#: Statuses that may still change (and that a patient or staff may cancel).
ACTIVE_STATUSES = ("pending", "confirmed", "checked_in")
#: Statuses that hold the slot and the patient's time (everything but cancelled).
HOLDING_STATUSES = ("pending", "confirmed", "checked_in", "completed", "no_show")


class Scope(StrEnum):
    """Which appointments a list holds. COMING: still to come and still to happen (active,
    not ended): what a person calls upcoming. DONE: all the others (ended, or completed,
    missed or cancelled). UPCOMING and PAST split by the end time alone, whatever the status
    (the doctor's days show cancelled and completed visits in their place)."""

    ALL = "all"
    UPCOMING = "upcoming"
    PAST = "past"
    COMING = "coming"
    DONE = "done"


@dataclass(frozen=True)
class NoteView:
    id: int
    body: str
    created_at: datetime
    author_name: str


@dataclass(frozen=True)
class AppointmentView:
    """One appointment; doctor's private notes are never part of it (see AppointmentDetail)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    patient_id: int
    patient_name: str
    doctor_id: int
    doctor_name: str
    reason: str | None
    slot_id: int | None = None
    timezone: str = "UTC"
    clinic_name: str | None = None
    address: str | None = None
    city: str | None = None
    cancel_hours: int = 24
    patient_email: str | None = None
    patient_phone: str | None = None
    doctor_email: str | None = None
    booked_by_id: int | None = None
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None
    cancelled_by_id: int | None = None
    late_cancel: bool = False
    rescheduled_from_id: int | None = None
    sequence: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def cancel_deadline(self) -> datetime:
        """Until when the patient may cancel it themselves."""
        return self.starts_at - timedelta(hours=self.cancel_hours)

    def patient_cancel_refusal(self, now: datetime) -> str | None:
        """Why the patient may not cancel this themselves now (None: they may)."""
        if self.status == "cancelled":
            return "it is already cancelled"
        if not self.is_active:
            return f"it is {self.status.replace('_', ' ')}"
        if self.status == "checked_in":
            return "you have already checked in; please ask at the desk"
        if now > self.cancel_deadline:
            deadline = self.cancel_deadline.astimezone(self.zone)
            return (
                f"online cancellation closed {deadline:%a %d %b %H:%M} ({self.cancel_hours} h "
                "before the visit); please call the clinic"
            )
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "local_starts_at": self.local_start.isoformat(),
            "timezone": self.timezone,
            "doctor_id": self.doctor_id,
            "doctor_name": self.doctor_name,
            "patient_id": self.patient_id,
            "patient_name": self.patient_name,
            "slot_id": self.slot_id,
            "clinic_name": self.clinic_name,
            "city": self.city,
            "reason": self.reason,
            "booked_by_id": self.booked_by_id,
            "cancel_reason": self.cancel_reason,
            "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
            "cancelled_by_id": self.cancelled_by_id,
            "late_cancel": self.late_cancel,
            "rescheduled_from_id": self.rescheduled_from_id,
        }


@dataclass(frozen=True)
class AppointmentDetail:
    """An appointment with what only some may see: notes for its doctor, the reschedule link."""

    appointment: AppointmentView
    rescheduled_to_id: int | None = None
    notes: tuple[NoteView, ...] = field(default=())
    notes_visible: bool = False

    def to_json(self) -> dict[str, Any]:
        data = self.appointment.to_json()
        data["rescheduled_to_id"] = self.rescheduled_to_id
        if self.notes_visible:
            data["notes"] = [
                {"id": n.id, "body": n.body, "created_at": n.created_at.isoformat(),
                 "author": n.author_name}
                for n in self.notes
            ]
        return data


def _select() -> Select[*tuple[Any, ...]]:
    patient, doctor = aliased(User), aliased(User)
    return (
        select(
            Appointment, patient.name, patient.email, patient.phone, doctor.name, doctor.email,
            func.coalesce(Doctor.timezone, "UTC"), Doctor.clinic_name, Doctor.address,
            Doctor.city, func.coalesce(Doctor.cancel_hours, 24),
        )
        .join(patient, patient.id == Appointment.patient_id)
        .join(doctor, doctor.id == Appointment.doctor_id)
        .outerjoin(Doctor, Doctor.user_id == Appointment.doctor_id)
    )


def _view(row: Any) -> AppointmentView:
    a: Appointment = row[0]
    return AppointmentView(
        id=a.id, starts_at=a.starts_at, ends_at=a.ends_at, status=a.status,
        patient_id=a.patient_id, patient_name=row[1], patient_email=row[2], patient_phone=row[3],
        doctor_id=a.doctor_id, doctor_name=row[4], doctor_email=row[5], timezone=row[6],
        clinic_name=row[7], address=row[8], city=row[9], cancel_hours=row[10],
        reason=a.reason, slot_id=a.slot_id, booked_by_id=a.booked_by_id,
        cancel_reason=a.cancel_reason, cancelled_at=a.cancelled_at,
        cancelled_by_id=a.cancelled_by_id, late_cancel=a.late_cancel,
        rescheduled_from_id=a.rescheduled_from_id, sequence=a.sequence,
    )


def load_view(uow: UnitOfWork, appointment_id: int) -> AppointmentView:
    """The appointment as a view, with no permission check (callers check first)."""
    row = uow.session.execute(_select().where(Appointment.id == appointment_id)).first()
    if row is None:
        raise NotFound(f"no appointment {appointment_id}")
    return _view(row)


def check_can_see(actor: Actor, *, patient_id: int, doctor_id: int) -> None:
    """A patient sees only their own, a doctor only theirs, desk staff every appointment.

    An appointment is its patient's and its doctor's (a user is only ever one of the two)."""
    require(actor, Permission.APPOINTMENTS_VIEW_OWN, Permission.APPOINTMENTS_VIEW_ANY)
    actor.require_own_or_any(own=Permission.APPOINTMENTS_VIEW_OWN,
                             any=Permission.APPOINTMENTS_VIEW_ANY,
                             owner_id=(patient_id, doctor_id))


def list_appointments(
    uow: UnitOfWork,
    *,
    actor: Actor,
    scope: Scope = Scope.ALL,
    doctor_id: int | None = None,
    on_date: date | None = None,
    patient_id: int | None = None,
    limit: int = 500,
) -> list[AppointmentView]:
    """A patient sees their own, a doctor theirs, a receptionist or admin everyone's.

    `on_date` is a calendar date in each appointment's clinic timezone. `patient_id` narrows
    the list to one patient's visits (the desk's view of a patient); it never widens what the
    actor may see: a patient or doctor asking for someone else's gets only their own.
    """
    require(actor, Permission.APPOINTMENTS_VIEW_OWN, Permission.APPOINTMENTS_VIEW_ANY)
    stmt = _select()
    if not actor.can(Permission.APPOINTMENTS_VIEW_ANY):
        # …_OWN: those the actor is the patient or the doctor of.
        stmt = stmt.where(or_(Appointment.patient_id == actor.user_id,
                              Appointment.doctor_id == actor.user_id))
    if doctor_id is not None:
        stmt = stmt.where(Appointment.doctor_id == doctor_id)
    if patient_id is not None:
        stmt = stmt.where(Appointment.patient_id == patient_id)
    if on_date is not None:
        local = func.timezone(func.coalesce(Doctor.timezone, "UTC"), Appointment.starts_at)
        stmt = stmt.where(cast(local, Date) == on_date)
    now = uow.now()
    # Coming: still to come and still to happen. A visit completed, missed or cancelled is
    # done even before its end time (nothing is left to do about it).
    coming = and_(Appointment.ends_at > now, Appointment.status.in_(ACTIVE_STATUSES))
    if scope == Scope.COMING:
        stmt = stmt.where(coming).order_by(Appointment.starts_at)
    elif scope == Scope.DONE:
        stmt = stmt.where(not_(coming)).order_by(Appointment.starts_at.desc())
    elif scope == Scope.UPCOMING:
        stmt = stmt.where(Appointment.ends_at > now).order_by(Appointment.starts_at)
    elif scope == Scope.PAST:
        stmt = stmt.where(Appointment.ends_at <= now).order_by(Appointment.starts_at.desc())
    else:
        stmt = stmt.order_by(Appointment.starts_at)
    return [_view(row) for row in uow.session.execute(stmt.limit(limit))]


def show_appointment(uow: UnitOfWork, *, actor: Actor, appointment_id: int) -> AppointmentDetail:
    """One appointment; its doctor (and only they) also get the private notes."""
    view = load_view(uow, appointment_id)
    check_can_see(actor, patient_id=view.patient_id, doctor_id=view.doctor_id)
    later = uow.session.scalar(
        select(Appointment.id).where(Appointment.rescheduled_from_id == appointment_id)
    )
    notes_visible = actor.owns(Permission.APPOINTMENTS_NOTES_OWN, view.doctor_id)
    notes: tuple[NoteView, ...] = ()
    if notes_visible:
        rows = uow.session.execute(
            select(AppointmentNote, User.name)
            .join(User, User.id == AppointmentNote.author_id)
            .where(AppointmentNote.appointment_id == appointment_id)
            .order_by(AppointmentNote.id)
        )
        notes = tuple(
            NoteView(id=n.id, body=n.body, created_at=n.created_at, author_name=name)
            for n, name in rows
        )
    return AppointmentDetail(
        appointment=view, rescheduled_to_id=later, notes=notes, notes_visible=notes_visible
    )
