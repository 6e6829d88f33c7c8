"""The doctor's dashboard read: the next 14 clinic days, and the bookings the schedule no longer
covers (what `slots generate` would report). The clock: Tue 24 Nov 2026 10:00 in Berlin."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import PermissionDenied, ValidationError
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking, dashboard, lifecycle
from doctorbook.core.scheduling import schedule, slots
from tests.booking.conftest import IN_1_HOUR, IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot


def working_week(uow: UnitOfWork, doctor: Actor) -> None:
    """Mon-Fri 09:00-12:00 in Berlin, 30-minute slots: every time booked below."""
    for day in ("mon", "tue", "wed", "thu", "fri"):
        schedule.add_rule(uow, actor=doctor, weekday=day, start="09:00", end="12:00",
                          slot_minutes=30)


def book(uow: UnitOfWork, doctor: Actor, patient: Actor, starts_at: datetime) -> int:
    slot = add_slot(uow, doctor.user_id, starts_at)
    return booking.book(uow, actor=patient, slot_id=slot).id


def test_the_next_14_clinic_days_of_the_doctor_only(uow: UnitOfWork, clinic: Clinic) -> None:
    working_week(uow, clinic.doctor)
    tomorrow = book(uow, clinic.doctor, clinic.alice, TOMORROW_10)
    friday = book(uow, clinic.doctor, clinic.bob, IN_3_DAYS_10)
    # Mon 7 Dec, 23:30 in Berlin: the last of the 14 days. Tue 8 Dec 09:00: one day too far.
    last_day = book(uow, clinic.doctor, clinic.alice, datetime.fromisoformat(
        "2026-12-07T22:30:00+00:00"))
    book(uow, clinic.doctor, clinic.bob, datetime.fromisoformat("2026-12-08T08:00:00+00:00"))
    book(uow, clinic.other_doctor, clinic.bob, TOMORROW_10 + timedelta(hours=1))
    lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=friday, reason="Ill")

    board = dashboard.doctor_dashboard(uow, actor=clinic.doctor)

    assert (board.timezone, board.first, board.last) == (
        "Europe/Berlin", date(2026, 11, 24), date(2026, 12, 7))
    assert [a.id for a in board.appointments] == [tomorrow, friday, last_day]
    assert [(day, [a.id for a in day_appointments]) for day, day_appointments
            in board.by_day()] == [
        (date(2026, 11, 25), [tomorrow]), (date(2026, 11, 27), [friday]),
        (date(2026, 12, 7), [last_day])]
    assert board.appointments[1].status == "cancelled"
    # 23:30 is outside Mon 09:00-12:00: the one booking the schedule doesn't produce.
    assert [(u.appointment_id, u.reason) for u in board.uncovered] == [
        (last_day, "no longer in the weekly schedule")]


def test_today_s_visits_that_already_ended_stay_on_the_dashboard(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    view = booking.book(uow, actor=clinic.desk, slot_id=add_slot(uow, clinic.doctor.user_id,
                        IN_1_HOUR), patient_email="alice@example.com", override_policy=True)
    clock.advance(timedelta(hours=2))  # 12:00 in Berlin: the 11:00 visit is over
    board = dashboard.doctor_dashboard(uow, actor=clinic.doctor)
    assert [a.id for a in board.appointments] == [view.id]
    # It can still be marked a no-show from there.
    lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id, action="no_show")


def test_bookings_an_exception_no_longer_covers_as_generate_reports_them(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    working_week(uow, clinic.doctor)
    tomorrow = book(uow, clinic.doctor, clinic.alice, TOMORROW_10)
    friday = book(uow, clinic.doctor, clinic.bob, IN_3_DAYS_10)
    assert dashboard.uncovered_bookings(uow, actor=clinic.doctor) == []

    schedule.add_exception(uow, actor=clinic.doctor, on="2026-11-27", kind="off",
                           reason="Conference")
    schedule.add_exception(uow, actor=clinic.doctor, on="2026-11-25", kind="hours",
                           start="11:00", end="12:00")
    uncovered = dashboard.uncovered_bookings(uow, actor=clinic.doctor)
    assert [(u.appointment_id, u.reason, f"{u.local_start:%a %H:%M}") for u in uncovered] == [
        (tomorrow, "outside the changed hours of that day", "Wed 10:00"),
        (friday, "day off: Conference", "Fri 10:00"),
    ]
    report = slots.generate(uow, actor=clinic.doctor, days=14)
    assert [(c.starts_at, c.reason) for c in report.conflicts] == [
        (u.starts_at, u.reason) for u in uncovered]

    # A cancelled visit needs nothing doing: it is not reported any more.
    lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=friday, reason="Conference")
    assert [u.appointment_id for u in dashboard.uncovered_bookings(
        uow, actor=clinic.doctor)] == [tomorrow]
    # Only the next `days` days are looked at.
    assert dashboard.uncovered_bookings(uow, actor=clinic.doctor, days=1) == []


def test_only_doctors_have_a_dashboard(uow: UnitOfWork, clinic: Clinic) -> None:
    for actor in (clinic.alice, clinic.desk, clinic.admin):
        with pytest.raises(PermissionDenied):
            dashboard.doctor_dashboard(uow, actor=actor)
        with pytest.raises(PermissionDenied):
            dashboard.uncovered_bookings(uow, actor=actor)
    with pytest.raises(ValidationError, match="days must be from 1 to 366"):
        dashboard.doctor_dashboard(uow, actor=clinic.doctor, days=0)
