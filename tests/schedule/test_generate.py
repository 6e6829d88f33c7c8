"""Core: generating slots — counts, idempotency, exceptions, booked slots, permissions, DB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg.errors
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from doctorbook.core.base.errors import NotFound, PermissionDenied, PolicyViolation, ValidationError
from doctorbook.core.base.models import AuditEntry, AvailabilitySlot
from doctorbook.core.base.rbac import Role
from doctorbook.core.scheduling import schedule, slots
from tests.conftest import make_user
from tests.schedule.conftest import make_doctor

BERLIN = ZoneInfo("Europe/Berlin")


def _local(uow, doctor_id, status=None):
    stmt = select(AvailabilitySlot).where(AvailabilitySlot.doctor_id == doctor_id)
    if status:
        stmt = stmt.where(AvailabilitySlot.status == status)
    return [(s.starts_at.astimezone(BERLIN).strftime("%a %d %H:%M"), s.status)
            for s in uow.session.scalars(stmt.order_by(AvailabilitySlot.starts_at))]


@pytest.fixture
def week(uow, doctor):
    """Mondays 09:00-12:00 (30 min) and Wednesdays 14:00-16:00 (60 min)."""
    schedule.add_rule(uow, actor=doctor, weekday="mon", start="09:00", end="12:00")
    schedule.add_rule(uow, actor=doctor, weekday="wed", start="14:00", end="16:00",
                      slot_minutes=60)
    return doctor


def test_a_simple_week_then_idempotent(uow, week):
    # Now is Tue 24 Nov 2026 10:00 in Berlin: 7 days run to Mon 30 Nov.
    report = slots.generate(uow, actor=week, days=7)
    assert (report.created, report.removed, report.conflicts) == (8, 0, ())
    assert [t for t, _ in _local(uow, week.user_id)] == [
        "Wed 25 14:00", "Wed 25 15:00", "Mon 30 09:00", "Mon 30 09:30", "Mon 30 10:00",
        "Mon 30 10:30", "Mon 30 11:00", "Mon 30 11:30"]
    wed = uow.session.scalars(select(AvailabilitySlot).order_by(AvailabilitySlot.id)).first()
    assert wed.ends_at - wed.starts_at == timedelta(hours=1) and wed.status == "open"

    again = slots.generate(uow, actor=week, days=7)
    assert (again.created, again.removed) == (0, 0)
    assert len(_local(uow, week.user_id)) == 8
    # Nothing changed, nothing audited the second time.
    assert uow.session.scalar(select(text("count(*)")).select_from(AuditEntry).where(
        AuditEntry.action == "slots.generated")) == 1


def test_slots_before_now_today_are_not_created(uow, doctor):
    schedule.add_rule(uow, actor=doctor, weekday="tue", start="08:00", end="12:00",
                      slot_minutes=60)
    slots.generate(uow, actor=doctor, days=1)
    assert [t for t, _ in _local(uow, doctor.user_id)] == ["Tue 24 10:00", "Tue 24 11:00"]


def test_exceptions_off_hours_and_extra(uow, week):
    slots.generate(uow, actor=week, days=7)
    schedule.add_exception(uow, actor=week, on="2026-11-30", kind="off")
    schedule.add_exception(uow, actor=week, on="2026-11-25", kind="hours",
                           start="10:00", end="11:00")
    schedule.add_exception(uow, actor=week, on="2026-11-26", kind="extra",
                           start="18:00", end="19:00", slot_minutes=20)
    report = slots.generate(uow, actor=week, days=7)
    assert (report.created, report.removed) == (5, 8)
    assert [t for t, _ in _local(uow, week.user_id)] == [
        "Wed 25 10:00", "Wed 25 10:30", "Thu 26 18:00", "Thu 26 18:20", "Thu 26 18:40"]


def test_valid_from_and_until_bound_a_rule(uow, doctor):
    schedule.add_rule(uow, actor=doctor, weekday="wed", start="09:00", end="10:00",
                      slot_minutes=60, valid_from="2026-12-02", valid_until="2026-12-09")
    slots.generate(uow, actor=doctor, days=30)
    assert [t for t, _ in _local(uow, doctor.user_id)] == ["Wed 02 09:00", "Wed 09 09:00"]


def test_a_changed_slot_length_replaces_open_slots(uow, doctor):
    rule = schedule.add_rule(uow, actor=doctor, weekday="mon", start="09:00", end="10:00")
    slots.generate(uow, actor=doctor, days=7)
    schedule.remove_rule(uow, actor=doctor, rule_id=rule.id)
    schedule.add_rule(uow, actor=doctor, weekday="mon", start="09:00", end="10:00",
                      slot_minutes=20)
    report = slots.generate(uow, actor=doctor, days=7)
    assert (report.created, report.removed) == (3, 2)
    assert [t for t, _ in _local(uow, doctor.user_id)] == [
        "Mon 30 09:00", "Mon 30 09:20", "Mon 30 09:40"]


def test_a_booked_slot_is_never_touched_and_is_reported(uow, week):
    slots.generate(uow, actor=week, days=7)
    booked = uow.session.scalars(
        select(AvailabilitySlot).where(AvailabilitySlot.starts_at == datetime(
            2026, 11, 30, 8, 30, tzinfo=UTC))).one()
    booked.status = "booked"
    uow.commit()
    schedule.add_exception(uow, actor=week, on="2026-11-30", kind="off", reason="congress")

    for _ in range(2):  # reported again on every run until someone acts on it
        report = slots.generate(uow, actor=week, days=7)
        [conflict] = report.conflicts
        assert (conflict.slot_id, conflict.reason) == (booked.id, "day off: congress")
        assert conflict.local_start.strftime("%H:%M") == "09:30"
    assert _local(uow, week.user_id, "booked") == [("Mon 30 09:30", "booked")]
    assert _local(uow, week.user_id, "open") == [("Wed 25 14:00", "open"),
                                                  ("Wed 25 15:00", "open")]

    # Changed hours with another slot length: the slot overlapping the booked one is skipped
    # (the database refuses the overlap), the next one is created.
    schedule.remove_exception(uow, actor=week,
                              exception_id=schedule.show_schedule(uow, actor=week)
                              .exceptions[0].id)
    schedule.add_exception(uow, actor=week, on="2026-11-30", kind="hours", start="09:15",
                           end="10:45", slot_minutes=45)
    report = slots.generate(uow, actor=week, days=7)
    assert [c.reason for c in report.conflicts] == ["outside the changed hours of that day"]
    assert _local(uow, week.user_id)[2:] == [("Mon 30 09:30", "booked"),
                                             ("Mon 30 10:00", "open")]


def test_the_database_refuses_overlapping_slots_for_one_doctor(uow, admin, doctor):
    other = make_doctor(uow, admin, "dr.other@example.com")
    now = uow.now()
    row = {"doctor_id": doctor.user_id, "starts_at": now, "ends_at": now + timedelta(minutes=30),
           "status": "open"}
    uow.session.execute(insert(AvailabilitySlot), [row])
    for shift in (timedelta(minutes=15), timedelta(minutes=-29), timedelta(0)):
        with pytest.raises(IntegrityError) as caught, uow.session.begin_nested():
            uow.session.execute(insert(AvailabilitySlot), [{
                **row, "starts_at": now + shift, "ends_at": now + shift + timedelta(minutes=30)}])
        # Same start trips the unique constraint first; any other overlap the exclusion one.
        errors = psycopg.errors
        expected = errors.UniqueViolation if not shift else errors.ExclusionViolation
        assert isinstance(caught.value.orig, errors.ExclusionViolation | expected)
    # Back to back is fine, and another doctor may have the same time.
    uow.session.execute(insert(AvailabilitySlot), [
        {**row, "starts_at": now + timedelta(minutes=30), "ends_at": now + timedelta(hours=1)},
        {**row, "doctor_id": other.user_id}])


def test_who_may_generate_what(uow, admin, doctor):
    other = make_doctor(uow, admin, "dr.other@example.com")
    nozone = make_doctor(uow, admin, "dr.nozone@example.com", timezone=None)
    for actor in (doctor, other):
        schedule.add_rule(uow, actor=actor, weekday="wed", start="09:00", end="10:00")
    with pytest.raises(PermissionDenied, match="only their own"):
        slots.generate(uow, actor=doctor, doctor_id=other.user_id)
    for role in (Role.PATIENT, Role.RECEPTIONIST):
        actor = make_user(uow, email=f"{role}@example.com", role=role)
        with pytest.raises(PermissionDenied):
            slots.generate(uow, actor=actor)
    with pytest.raises(ValidationError):
        slots.generate(uow, actor=admin, days=0)
    with pytest.raises(NotFound):
        slots.generate(uow, actor=admin, doctor_id=999_999)
    with pytest.raises(PolicyViolation, match="no timezone"):
        slots.generate(uow, actor=nozone)

    mine = slots.generate(uow, actor=doctor, days=7)
    assert [(d.doctor_id, d.created) for d in mine.doctors] == [(doctor.user_id, 2)]
    seen: list[tuple[int, int]] = []
    everyone = slots.generate(uow, actor=admin, days=7,
                              progress=lambda done, total: seen.append((done, total)))
    assert [(d.doctor_id, d.created) for d in everyone.doctors] == [
        (doctor.user_id, 0), (other.user_id, 2)]
    assert everyone.skipped[0][0] == nozone.user_id
    assert seen == [(1, 3), (2, 3), (3, 3)]
    one = slots.generate(uow, actor=admin, days=14, doctor_id=other.user_id)
    assert [(d.doctor_id, d.created) for d in one.doctors] == [(other.user_id, 2)]
