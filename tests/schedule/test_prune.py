"""Core: slot retention — past slots no appointment held go; history and the future stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import AuthenticationError, PermissionDenied
from doctorbook.core.base.models import AuditEntry, AvailabilitySlot
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.scheduling import schedule, slots
from tests.booking.conftest import Clinic, add_slot, clinic

__all__ = ["clinic"]

# The test clock reads Tue 2026-11-24 09:00Z; these are that day's slots, in UTC.
AT_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AT_11 = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
AT_12 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
AT_13 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
AT_14 = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
# 14:15Z, when the clock is moved: 10:00-13:30 are over, 14:00-14:30 is under way.
LATER = timedelta(hours=5, minutes=15)
TOMORROW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _slots(uow: UnitOfWork, doctor_id: int) -> dict[datetime, str]:
    rows = uow.session.execute(
        select(AvailabilitySlot.starts_at, AvailabilitySlot.status)
        .where(AvailabilitySlot.doctor_id == doctor_id))
    return {start: status for start, status in rows}


@pytest.fixture
def day(uow: UnitOfWork, clinic: Clinic, clock: FixedClock) -> int:
    """Today's slots, then the clock moved past most of them.

    10:00 completed visit, 11:00 cancelled visit (the slot is open again), 12:00 open,
    13:00 blocked, 14:00 open and under way, tomorrow 09:00 open."""
    doctor = clinic.doctor.user_id or 0
    # The desk books within the notice period (the test clock is 09:00): override.
    completed = booking.book(uow, actor=clinic.desk, slot_id=add_slot(uow, doctor, AT_10),
                             patient_id=clinic.alice.user_id, override_policy=True)
    cancelled = booking.book(uow, actor=clinic.desk, slot_id=add_slot(uow, doctor, AT_11),
                             patient_id=clinic.bob.user_id, override_policy=True)
    lifecycle.cancel(uow, actor=clinic.desk, appointment_id=cancelled.id, reason="ill")
    add_slot(uow, doctor, AT_12)
    add_slot(uow, doctor, AT_13, status="blocked")
    add_slot(uow, doctor, AT_14)
    add_slot(uow, doctor, TOMORROW)
    # Another doctor's past open slot: pruned only when all doctors are.
    add_slot(uow, clinic.other_doctor.user_id or 0, AT_12)
    clock.advance(LATER)
    for action in ("check_in", "complete"):
        lifecycle.change_status(uow, actor=clinic.desk, appointment_id=completed.id,
                                action=action)
    assert _slots(uow, doctor)[AT_11] == "open"  # what makes the cancelled case interesting
    return doctor


def test_prune_removes_past_slots_no_appointment_held(
    uow: UnitOfWork, clinic: Clinic, day: int
) -> None:
    report = slots.prune(uow, actor=clinic.admin, doctor_id=day)
    assert (report.pruned, report.checked) == (2, 1)
    assert _slots(uow, day) == {
        AT_10: "booked",  # completed visit: history
        AT_11: "open",  # cancelled visit: history too
        AT_14: "open",  # not over yet
        TOMORROW: "open",
    }
    # The other doctor was not asked about.
    assert _slots(uow, clinic.other_doctor.user_id or 0) == {AT_12: "open"}
    audited = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "slots.pruned")).all()
    assert [(a.entity_id, a.data) for a in audited] == [(str(day), {"pruned": 2})]

    again = slots.prune(uow, actor=clinic.admin)
    assert (again.pruned, again.checked) == (1, 2)  # only the other doctor's
    assert again.doctors == ((clinic.other_doctor.user_id, 1),)


def test_generate_prunes_too_and_reports_it(
    uow: UnitOfWork, clinic: Clinic, day: int
) -> None:
    # Berlin 10:00-10:30 on Wednesdays: exactly tomorrow's slot, so nothing else changes.
    schedule.add_rule(uow, actor=clinic.doctor, weekday="wed", start="10:00", end="10:30",
                      slot_minutes=30)
    report = slots.generate(uow, actor=clinic.doctor, days=2)
    assert (report.created, report.removed, report.pruned) == (0, 0, 2)
    # The schedule has no Tuesday, yet booked and held slots are never generate's to remove.
    assert set(_slots(uow, day)) == {AT_10, AT_11, AT_14, TOMORROW}
    entry = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "slots.generated")).one()
    assert entry.data is not None and entry.data["pruned"] == 2


@pytest.mark.parametrize("who", ["doctor", "desk", "alice", "anonymous"])
def test_only_admins_prune(uow: UnitOfWork, clinic: Clinic, day: int, who: str) -> None:
    actor = Actor.anonymous() if who == "anonymous" else getattr(clinic, who)
    with pytest.raises((PermissionDenied, AuthenticationError)):
        slots.prune(uow, actor=actor)
    assert len(_slots(uow, day)) == 6
