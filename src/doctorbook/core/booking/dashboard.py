"""The doctor's dashboard: their appointments of the next days, in the clinic's local days,
and the live bookings their schedule no longer covers (what `slots generate` reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import Appointment, Doctor, ScheduleException, ScheduleRule
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.booking.appointments import (
    ACTIVE_STATUSES,
    AppointmentView,
    Scope,
    list_appointments,
)
from doctorbook.core.scheduling.schedule import ExceptionView, exception_view, rule_view
from doctorbook.core.scheduling.slots import _why_unplanned, plan

#: Today and the 13 days after it.
DAYS = 14
MAX_DAYS = 366


@dataclass(frozen=True)
class UncoveredBooking:
    """A live appointment at a time the doctor's rules and exceptions no longer produce."""

    appointment_id: int
    starts_at: datetime
    local_start: datetime
    #: Why, e.g. 'day off: Conference' or 'no longer in the weekly schedule'.
    reason: str


@dataclass(frozen=True)
class DoctorDashboard:
    """The doctor's appointments from the start of `first` to the end of `last` (clinic days),
    every status, soonest first."""

    timezone: str
    first: date
    last: date
    appointments: tuple[AppointmentView, ...]
    uncovered: tuple[UncoveredBooking, ...]

    def by_day(self) -> list[tuple[date, list[AppointmentView]]]:
        """The appointments grouped by their clinic-local date, days in order."""
        days: dict[date, list[AppointmentView]] = {}
        for appointment in self.appointments:
            days.setdefault(appointment.local_start.date(), []).append(appointment)
        return list(days.items())

    def uncovered_reason(self, appointment_id: int) -> str | None:
        return next(
            (u.reason for u in self.uncovered if u.appointment_id == appointment_id), None
        )


def _own_doctor(uow: UnitOfWork, actor: Actor) -> Doctor | None:
    """The acting doctor's profile; None for a doctor account without one (no schedule, so
    nothing can be uncovered, and the clinic's days are UTC days)."""
    require(actor, Permission.SCHEDULE_MANAGE_OWN)
    return uow.session.get(Doctor, actor.user_id)


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days must be from 1 to {MAX_DAYS}")


def _uncovered(uow: UnitOfWork, doctor: Doctor | None, days: int) -> list[UncoveredBooking]:
    """As `slots.generate` decides it: a live appointment from now on whose exact slot the
    schedule no longer plans. Read only; nothing is changed."""
    if doctor is None or not doctor.timezone:
        return []  # no slots can have been generated, so none can have been dropped
    zone = ZoneInfo(doctor.timezone)
    now = uow.now()
    first = now.astimezone(zone).date()
    last = first + timedelta(days=days - 1)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    booked = uow.session.execute(
        select(Appointment.id, Appointment.starts_at, Appointment.ends_at)
        .where(Appointment.doctor_id == doctor.user_id,
               Appointment.status.in_(ACTIVE_STATUSES),
               Appointment.starts_at >= now, Appointment.starts_at < until)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    if not booked:
        return []
    rules = [rule_view(r) for r in uow.session.scalars(
        select(ScheduleRule).where(ScheduleRule.doctor_id == doctor.user_id))]
    exceptions = [exception_view(e) for e in uow.session.scalars(
        select(ScheduleException).where(
            ScheduleException.doctor_id == doctor.user_id,
            ScheduleException.date >= first, ScheduleException.date <= last))]
    planned = set(plan(rules, exceptions, zone=zone, first=first, last=last,
                       default_slot_minutes=doctor.slot_minutes, not_before=now))
    by_date: dict[date, list[ExceptionView]] = {}
    for exc in exceptions:
        by_date.setdefault(exc.date, []).append(exc)
    uncovered: list[UncoveredBooking] = []
    for appointment_id, starts_at, ends_at in booked:
        if (starts_at, ends_at) in planned:
            continue
        local = starts_at.astimezone(zone)
        uncovered.append(UncoveredBooking(
            appointment_id=appointment_id, starts_at=starts_at, local_start=local,
            reason=_why_unplanned(by_date.get(local.date(), [])),
        ))
    return uncovered


def uncovered_bookings(
    uow: UnitOfWork, *, actor: Actor, days: int = DAYS
) -> list[UncoveredBooking]:
    """The acting doctor's live appointments of the next `days` clinic days (from now) that
    their rules and exceptions no longer produce: kept, but worth cancelling or moving."""
    _check_days(days)
    return _uncovered(uow, _own_doctor(uow, actor), days)


def doctor_dashboard(uow: UnitOfWork, *, actor: Actor, days: int = DAYS) -> DoctorDashboard:
    """The acting doctor's appointments of today and the next `days - 1` clinic days.

    Today's appointments that already ended are included (so a missed visit can still be
    marked a no-show or completed), as are cancelled ones (marked as such).
    """
    _check_days(days)
    doctor = _own_doctor(uow, actor)
    zone_name = (doctor.timezone if doctor else None) or "UTC"
    first = uow.now().astimezone(ZoneInfo(zone_name)).date()
    last = first + timedelta(days=days - 1)
    earlier_today = list_appointments(uow, actor=actor, scope=Scope.PAST, on_date=first)
    upcoming = list_appointments(uow, actor=actor, scope=Scope.UPCOMING)
    appointments = sorted(
        [*earlier_today, *(a for a in upcoming if a.local_start.date() <= last)],
        key=lambda a: (a.starts_at, a.id),
    )
    return DoctorDashboard(
        timezone=zone_name, first=first, last=last, appointments=tuple(appointments),
        uncovered=tuple(_uncovered(uow, doctor, days)),
    )
