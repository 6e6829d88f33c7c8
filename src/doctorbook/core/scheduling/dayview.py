"""The front desk's day view: one doctor's slots on one local day, open and booked.

One statement reads the doctor (for the timezone and lead time), that day's slots (the index on
(doctor_id, starts_at) bounds them by the doctor's local midnights) and, for each slot, the live
appointment holding it and its patient's name. `next_open_slot` finds the doctor's next slot the
desk can book, on any day up to the horizon, with one statement too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    and_,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import LateralFromClause

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import NotFound, ValidationError
from doctorbook.core.base.models import Appointment, AvailabilitySlot, Doctor, User
from doctorbook.core.base.rbac import Actor, Permission
from doctorbook.core.scheduling.availability import HORIZON

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement


@dataclass(frozen=True)
class DaySlot:
    """One slot of the day; the appointment fields are set when a live appointment holds it."""

    slot_id: int
    #: Aware, in the doctor's timezone.
    starts_at: datetime
    ends_at: datetime
    timezone: str
    #: The slot's own status: open | booked | blocked.
    status: str
    appointment_id: int | None = None
    appointment_status: str | None = None
    patient_id: int | None = None
    patient_name: str | None = None
    patient_phone: str | None = None
    reason: str | None = None
    #: The slot has started (or is over): nobody books it any more.
    past: bool = False
    #: Open, but inside the doctor's lead time: only staff overriding the policy may book it.
    short_notice: bool = False

    @property
    def booked(self) -> bool:
        return self.appointment_id is not None

    @property
    def bookable(self) -> bool:
        """Open, not started and nobody holds it (short notice still needs an override)."""
        return self.status == "open" and not self.booked and not self.past


def _check_may_see(actor: Actor, doctor_id: int) -> None:
    actor.require_own_or_any(
        own=Permission.DAYVIEW_OWN, any=Permission.DAYVIEW_ANY, owner_id=doctor_id,
        denied="access denied: only clinic staff and the doctor see a doctor's day",
    )


def day_slots(uow: UnitOfWork, *, actor: Actor, doctor_id: int, day: date) -> list[DaySlot]:
    """Doctor `doctor_id`'s slots on the local date `day` (their clinic's timezone), in order.

    Receptionists and admins see every doctor's day, a doctor their own; nobody else.
    """
    _check_may_see(actor, doctor_id)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError("day must be a calendar date")
    slot, patient = AvailabilitySlot, aliased(User)

    def local_midnight(of: date) -> ColumnElement[datetime]:
        # timezone(zone, timestamp) reads wall-clock midnight in the doctor's own zone.
        return func.timezone(Doctor.timezone, cast(literal(of, Date), DateTime(timezone=False)))

    rows = uow.session.execute(
        select(
            Doctor.timezone, Doctor.lead_minutes, slot.id, slot.starts_at, slot.ends_at,
            slot.status, Appointment.id, Appointment.status, Appointment.patient_id,
            patient.name, patient.phone, Appointment.reason,
        )
        .select_from(Doctor)
        .outerjoin(slot, and_(
            slot.doctor_id == Doctor.user_id,
            slot.in_window(local_midnight(day), local_midnight(day + timedelta(days=1))),
        ))
        .outerjoin(Appointment, and_(
            Appointment.slot_id == slot.id,
            Appointment.status != literal_column("'cancelled'"),
        ))
        .outerjoin(patient, patient.id == Appointment.patient_id)
        .where(Doctor.user_id == doctor_id)
        .order_by(slot.starts_at)
    ).all()
    if not rows:
        raise NotFound(f"no doctor {doctor_id}")
    now = uow.now()
    result: list[DaySlot] = []
    for row in rows:
        (zone_name, lead_minutes, slot_id, starts_at, ends_at, status, appointment_id,
         appointment_status, patient_id, patient_name, patient_phone, reason) = row
        if slot_id is None or zone_name is None:
            continue  # the doctor has no slot that day (or no timezone, so no day to bound)
        zone = ZoneInfo(zone_name)
        past = starts_at <= now
        result.append(DaySlot(
            slot_id=slot_id, starts_at=starts_at.astimezone(zone),
            ends_at=ends_at.astimezone(zone), timezone=zone_name, status=status,
            appointment_id=appointment_id, appointment_status=appointment_status,
            patient_id=patient_id, patient_name=patient_name, patient_phone=patient_phone,
            reason=reason, past=past,
            short_notice=(status == "open" and appointment_id is None and not past
                          and starts_at < now + timedelta(minutes=lead_minutes)),
        ))
    return result


def first_open_slot(since: datetime, until: datetime) -> LateralFromClause:
    """LATERAL, per `Doctor` row of the enclosing query: its first slot starting after `since`
    and before `until` that is open and held by no live appointment (id, starts_at, ends_at).
    Read from the partial index of open slots on (doctor_id, starts_at), stopping at one row.
    """
    slot, live = AvailabilitySlot, aliased(Appointment)
    return (
        select(slot.id, slot.starts_at, slot.ends_at)
        .where(
            slot.doctor_id == Doctor.user_id,
            # A literal, so the planner matches the partial index's predicate (see availability).
            slot.status == literal_column("'open'"),
            slot.starts_at > literal(since, DateTime(timezone=True)),
            slot.starts_at < literal(until, DateTime(timezone=True)),
            ~exists().where(live.slot_id == slot.id,
                            live.status != literal_column("'cancelled'")),
        )
        .order_by(slot.starts_at)
        .limit(1)
        .correlate(Doctor)
        .lateral("first_open")
    )


def next_open_slot(
    uow: UnitOfWork, *, actor: Actor, doctor_id: int, after: datetime | None = None,
) -> DaySlot | None:
    """Doctor `doctor_id`'s first slot the desk can book (`DaySlot.bookable`) that starts
    after `after` (default: now; never earlier than now), before the booking horizon; None if
    there is none.

    Bookable means what the day view offers: open, not started, held by no live appointment.
    A slot inside the doctor's lead time counts (`short_notice` is set): the desk books it by
    overriding the policy, as on the day view. Whoever may see the doctor's day may ask.
    """
    _check_may_see(actor, doctor_id)
    now = uow.now()
    if after is not None and (not isinstance(after, datetime) or after.tzinfo is None):
        raise ValidationError("after must be an aware date and time")
    since = now if after is None else max(after, now)
    # One statement: the doctor (for the zone and lead time), and LATERAL its first open slot.
    first = first_open_slot(since, now + HORIZON)
    row = uow.session.execute(
        select(Doctor.timezone, Doctor.lead_minutes, first.c.id, first.c.starts_at,
               first.c.ends_at)
        .select_from(Doctor)
        .outerjoin(first, true())
        .where(Doctor.user_id == doctor_id)
    ).first()
    if row is None:
        raise NotFound(f"no doctor {doctor_id}")
    zone_name, lead_minutes, slot_id, starts_at, ends_at = row
    if slot_id is None or zone_name is None:
        return None
    zone = ZoneInfo(zone_name)
    return DaySlot(
        slot_id=slot_id, starts_at=starts_at.astimezone(zone), ends_at=ends_at.astimezone(zone),
        timezone=zone_name, status="open",
        short_notice=starts_at < now + timedelta(minutes=lead_minutes),
    )
