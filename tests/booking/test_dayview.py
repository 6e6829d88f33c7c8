"""The desk's day view: a doctor's slots of one local day with who holds the booked ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.scheduling.dayview import day_slots
from tests.booking.conftest import IN_1_HOUR, TOMORROW_10, Clinic, add_slot

TOMORROW = date(2026, 11, 25)


def test_open_and_booked_slots_of_the_day_in_clinic_time(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    doctor = clinic.doctor.user_id
    booked = add_slot(uow, doctor, TOMORROW_10)
    free = add_slot(uow, doctor, TOMORROW_10 + timedelta(minutes=30))
    blocked = add_slot(uow, doctor, TOMORROW_10 + timedelta(hours=1), status="blocked")
    # 23:30 and 00:00 Berlin time: the evening before and the first slot of the next day.
    add_slot(uow, doctor, datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
    add_slot(uow, doctor, datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    # Another doctor's slot at the same time is not in this doctor's day.
    add_slot(uow, clinic.other_doctor.user_id, TOMORROW_10)
    view = booking.book(uow, actor=clinic.desk, slot_id=booked,
                        patient_email="alice@example.com", reason="Check-up")

    day = day_slots(uow, actor=clinic.desk, doctor_id=doctor, day=TOMORROW)
    assert [s.slot_id for s in day] == [booked, free, blocked]
    first, second, third = day
    assert f"{first.starts_at:%H:%M}-{first.ends_at:%H:%M}" == "10:00-10:30"
    assert first.starts_at.utcoffset() == timedelta(hours=1)
    assert first.timezone == "Europe/Berlin"
    assert (first.status, first.appointment_id, first.appointment_status) == (
        "booked", view.id, "confirmed"
    )
    assert (first.patient_id, first.patient_name, first.reason) == (
        clinic.alice.user_id, "Alice Patient", "Check-up"
    )
    assert first.booked and not first.bookable
    assert (second.status, second.booked, second.patient_name) == ("open", False, None)
    assert second.bookable and not second.short_notice and not second.past
    assert third.status == "blocked" and not third.bookable


def test_a_cancelled_appointment_leaves_its_slot_open(uow: UnitOfWork, clinic: Clinic) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    view = booking.book(uow, actor=clinic.alice, slot_id=slot)
    lifecycle.cancel(uow, actor=clinic.alice, appointment_id=view.id)
    [again] = day_slots(uow, actor=clinic.desk, doctor_id=clinic.doctor.user_id, day=TOMORROW)
    assert (again.status, again.appointment_id, again.patient_name) == ("open", None, None)


def test_past_and_short_notice_slots_are_flagged(uow: UnitOfWork, clinic: Clinic) -> None:
    doctor = clinic.doctor.user_id
    earlier = add_slot(uow, doctor, IN_1_HOUR - timedelta(hours=2))  # 08:00Z, before now
    soon = add_slot(uow, doctor, IN_1_HOUR)  # inside the 2 h lead time
    later = add_slot(uow, doctor, IN_1_HOUR + timedelta(hours=3))
    today = date(2026, 11, 24)
    flags = {s.slot_id: (s.past, s.short_notice, s.bookable)
             for s in day_slots(uow, actor=clinic.admin, doctor_id=doctor, day=today)}
    assert flags == {
        earlier: (True, False, False),
        soon: (False, True, True),
        later: (False, False, True),
    }


def test_a_day_without_slots_is_empty_and_an_unknown_doctor_not_found(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    assert day_slots(uow, actor=clinic.desk, doctor_id=clinic.doctor.user_id,
                     day=TOMORROW) == []
    with pytest.raises(NotFound):
        day_slots(uow, actor=clinic.desk, doctor_id=999_999, day=TOMORROW)
    with pytest.raises(NotFound):  # a patient is not a doctor
        day_slots(uow, actor=clinic.desk, doctor_id=clinic.alice.user_id, day=TOMORROW)
    with pytest.raises(ValidationError):
        day_slots(uow, actor=clinic.desk, doctor_id=clinic.doctor.user_id,
                  day=TOMORROW_10)  # a datetime is not a date


def test_staff_and_the_doctor_themselves_only(uow: UnitOfWork, clinic: Clinic) -> None:
    doctor = clinic.doctor.user_id
    add_slot(uow, doctor, TOMORROW_10)
    for actor in (clinic.desk, clinic.admin, clinic.doctor):
        assert len(day_slots(uow, actor=actor, doctor_id=doctor, day=TOMORROW)) == 1
    for actor in (clinic.other_doctor, clinic.alice):
        with pytest.raises(PermissionDenied):
            day_slots(uow, actor=actor, doctor_id=doctor, day=TOMORROW)
    with pytest.raises(AuthenticationError):
        day_slots(uow, actor=Actor.anonymous(), doctor_id=doctor, day=TOMORROW)


def test_one_query(uow: UnitOfWork, clinic: Clinic) -> None:
    doctor = clinic.doctor.user_id
    for i in range(4):
        slot = add_slot(uow, doctor, TOMORROW_10 + timedelta(minutes=30 * i))
        if i % 2:
            patient = "bob@example.com" if i == 1 else "alice@example.com"
            booking.book(uow, actor=clinic.desk, slot_id=slot, patient_email=patient)
    statements: list[str] = []
    engine = uow.session.get_bind()

    def count(*args: object) -> None:
        statement = str(args[2])
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        day = day_slots(uow, actor=clinic.desk, doctor_id=doctor, day=TOMORROW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [s.patient_name for s in day] == [None, "Bob Patient", None, "Alice Patient"]
    assert len(statements) == 1, statements
