"""Visits in people's words: refusals name a visit by its time and doctor (never its id), and
"coming" (a home's upcoming list) means still to come and still to happen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict, PolicyViolation, ValidationError
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.appointments import Scope, list_appointments
from tests.booking.conftest import IN_1_HOUR, IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot

VISIT = "the visit on Wed 25 Nov 10:00 (Europe/Berlin) with Dr Gregory House"


def test_upcoming_is_active_and_not_over_the_rest_is_past(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    # Booked an hour ahead (staff override the lead time), then the clock reaches it.
    now_visit = booking.book(uow, actor=clinic.desk, slot_id=add_slot(
        uow, clinic.doctor.user_id, IN_1_HOUR), patient_email="alice@example.com",
        override_policy=True).id
    cancelled = booking.book(uow, actor=clinic.alice,
                             slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10)).id
    ahead = booking.book(uow, actor=clinic.alice,
                         slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10)).id
    lifecycle.cancel(uow, actor=clinic.alice, appointment_id=cancelled)
    clock.advance(timedelta(hours=1, minutes=5))  # 5 minutes into the first visit
    for action in ("check_in", "complete"):
        lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=now_visit,
                                action=action)

    def ids(scope: Scope) -> list[int]:
        return [a.id for a in list_appointments(uow, actor=clinic.alice, scope=scope)]

    assert ids(Scope.COMING) == [ahead]
    assert ids(Scope.DONE) == [cancelled, now_visit]  # latest first
    # By the end time alone (the doctor's days): the completed one hasn't ended yet.
    assert ids(Scope.UPCOMING) == [now_visit, cancelled, ahead]
    assert ids(Scope.PAST) == []


def test_refusals_name_the_visit_not_its_id(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    visit = booking.book(uow, actor=clinic.alice,
                         slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10)).id
    with pytest.raises(PolicyViolation) as confirm:
        lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=visit,
                                action="complete")
    assert str(confirm.value) == (f"can't complete {VISIT}: it is confirmed; only a checked-in "
                                  "appointment can be completed")
    clock.advance(timedelta(hours=12))  # inside the 24 h window
    with pytest.raises(PolicyViolation) as late:
        lifecycle.cancel(uow, actor=clinic.alice, appointment_id=visit)
    assert str(late.value).startswith(f"too late to cancel {VISIT}: online cancellation")
    lifecycle.cancel(uow, actor=clinic.desk, appointment_id=visit, reason="Doctor ill")
    with pytest.raises(PolicyViolation) as again:
        lifecycle.cancel(uow, actor=clinic.desk, appointment_id=visit, reason="Twice")
    assert str(again.value) == f"{VISIT} is already cancelled"
    with pytest.raises(PolicyViolation) as moved:
        booking.reschedule(uow, actor=clinic.desk, appointment_id=visit,
                           new_slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    assert str(moved.value) == f"{VISIT} is cancelled and can't be rescheduled"


def test_refusals_name_the_slot_not_its_id(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    mine = booking.book(uow, actor=clinic.alice, slot_id=slot).id
    with pytest.raises(Conflict) as gone:
        booking.book(uow, actor=clinic.bob, slot_id=slot)
    assert str(gone.value) == ("the 10:00 slot on Wed 25 Nov with Dr Gregory House is no longer "
                               "available; pick another time")
    other = add_slot(uow, clinic.other_doctor.user_id, TOMORROW_10 + timedelta(minutes=15))
    with pytest.raises(Conflict) as clash:
        booking.book(uow, actor=clinic.alice, slot_id=other)
    assert str(clash.value) == f"you already have an appointment at that time ({VISIT})"
    with pytest.raises(ValidationError) as elsewhere:
        booking.reschedule(uow, actor=clinic.alice, appointment_id=mine, new_slot_id=other)
    assert str(elsewhere.value).startswith(
        "the 10:15 slot on Wed 25 Nov with Dr James Wilson is with another doctor")
    clock.advance(timedelta(days=2))
    with pytest.raises(PolicyViolation) as started:
        booking.book(uow, actor=clinic.bob, slot_id=other)
    assert str(started.value) == (
        "the 10:15 slot on Wed 25 Nov with Dr James Wilson has already started")
