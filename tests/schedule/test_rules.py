"""Core: weekly rules and exceptions — validation, overlaps, ownership, audit."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from doctorbook.core.base.models import AuditEntry
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.scheduling import schedule
from tests.conftest import make_user
from tests.schedule.conftest import make_doctor


def test_add_show_and_remove_rules_and_exceptions(uow, doctor):
    rule = schedule.add_rule(uow, actor=doctor, weekday="Mon", start="9:00", end="12:00")
    assert (rule.weekday, rule.weekday_name, rule.start_time, rule.end_time) == (
        0, "mon", time(9), time(12))
    assert rule.slot_minutes == 30  # the profile's default
    friday = schedule.add_rule(uow, actor=doctor, weekday="friday", start="14:00", end="16:00",
                               slot_minutes=60, valid_from="2026-12-01", valid_until="2027-06-30")
    off = schedule.add_exception(uow, actor=doctor, on="2026-12-24", kind="off",
                                 reason="  Christmas   Eve ")
    extra = schedule.add_exception(uow, actor=doctor, on=date(2026, 12, 23), kind="extra",
                                   start="18:00", end="19:00")
    assert off.reason == "Christmas Eve" and extra.slot_minutes is None

    view = schedule.show_schedule(uow, actor=doctor)
    assert view.timezone == "Europe/Berlin"
    assert [r.id for r in view.rules] == [rule.id, friday.id]
    assert [e.id for e in view.exceptions] == [extra.id, off.id]

    schedule.remove_rule(uow, actor=doctor, rule_id=rule.id)
    schedule.remove_exception(uow, actor=doctor, exception_id=off.id)
    view = schedule.show_schedule(uow, actor=doctor)
    assert [r.id for r in view.rules] == [friday.id]
    assert [e.id for e in view.exceptions] == [extra.id]

    actions = list(uow.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("schedule.%"))
        .order_by(AuditEntry.id)))
    assert actions == ["schedule.rule_added", "schedule.rule_added",
                       "schedule.exception_added", "schedule.exception_added",
                       "schedule.rule_removed", "schedule.exception_removed"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"weekday": "funday"}, "not a weekday"),
    ({"weekday": 7}, r"0 \(Monday\) to 6"),
    ({"start": "9am"}, "HH:MM"),
    ({"start": "25:00"}, "not a time of day"),
    ({"end": "08:00"}, "must be after the start"),
    ({"end": "09:00"}, "must be after the start"),
    ({"slot_minutes": 3}, "from 5 to 480"),
    ({"slot_minutes": 481}, "from 5 to 480"),
    ({"slot_minutes": 7}, "multiple of 5"),
    ({"slot_minutes": 45}, "not a whole number of 45-minute slots"),
    ({"valid_from": "2026-13-01"}, "YYYY-MM-DD"),
    ({"valid_from": "2027-01-02", "valid_until": "2027-01-01"}, "not be before"),
])
def test_rule_validation(uow, doctor, kwargs, message):
    args = {"weekday": "mon", "start": "09:00", "end": "10:00", **kwargs}
    with pytest.raises(ValidationError, match=message):
        schedule.add_rule(uow, actor=doctor, **args)


def test_overlapping_rules_on_one_weekday_are_refused(uow, doctor):
    first = schedule.add_rule(uow, actor=doctor, weekday="mon", start="09:00", end="12:00")
    with pytest.raises(Conflict, match=f"overlaps rule {first.id}"):
        schedule.add_rule(uow, actor=doctor, weekday="mon", start="11:30", end="13:30")
    # Touching is not overlapping; another weekday is free; so are disjoint validity periods.
    schedule.add_rule(uow, actor=doctor, weekday="mon", start="12:00", end="13:00")
    schedule.add_rule(uow, actor=doctor, weekday="tue", start="09:00", end="12:00")
    schedule.add_rule(uow, actor=doctor, weekday="wed", start="09:00", end="12:00",
                      valid_until="2026-12-31")
    schedule.add_rule(uow, actor=doctor, weekday="wed", start="10:00", end="14:00",
                      valid_from="2027-01-01")
    with pytest.raises(Conflict):
        schedule.add_rule(uow, actor=doctor, weekday="wed", start="08:00", end="09:30",
                          valid_from="2026-12-31")


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"kind": "off", "start": "09:00"}, ValidationError, "no start"),
    ({"kind": "hours", "start": "09:00"}, ValidationError, "both a start and an end"),
    ({"kind": "extra", "start": "10:00", "end": "09:00"}, ValidationError, "after the start"),
    ({"kind": "holiday"}, ValidationError, "one of off, hours, extra"),
    ({"kind": "off", "on": "2026-11-23"}, ValidationError, "in the past"),
    ({"kind": "off", "on": "24.12.2026"}, ValidationError, "YYYY-MM-DD"),
])
def test_exception_validation(uow, doctor, kwargs, error, message):
    args = {"on": "2026-12-24", **kwargs}
    with pytest.raises(error, match=message):
        schedule.add_exception(uow, actor=doctor, **args)


def test_contradicting_exceptions_on_one_date_are_refused(uow, doctor):
    off = schedule.add_exception(uow, actor=doctor, on="2026-12-24", kind="off")
    with pytest.raises(Conflict, match=f"exception {off.id}"):
        schedule.add_exception(uow, actor=doctor, on="2026-12-24", kind="extra",
                               start="10:00", end="11:00")
    schedule.add_exception(uow, actor=doctor, on="2026-12-23", kind="hours",
                           start="08:00", end="12:00")
    schedule.add_exception(uow, actor=doctor, on="2026-12-23", kind="extra",
                           start="14:00", end="15:00")
    with pytest.raises(Conflict, match="overlaps exception"):
        schedule.add_exception(uow, actor=doctor, on="2026-12-23", kind="extra",
                               start="11:00", end="12:30")
    with pytest.raises(Conflict):
        schedule.add_exception(uow, actor=doctor, on="2026-12-23", kind="off")


def test_today_in_the_clinic_counts_not_utc(uow, admin, clock):
    kiwi = make_doctor(uow, admin, "dr.kiwi@example.com", timezone="Pacific/Auckland")
    # 21:00 UTC on 24 Nov is already 10:00 on 25 Nov in Auckland (UTC+13).
    clock.advance(timedelta(hours=12))
    with pytest.raises(ValidationError, match="in the past"):
        schedule.add_exception(uow, actor=kiwi, on="2026-11-24", kind="off")
    schedule.add_exception(uow, actor=kiwi, on="2026-11-25", kind="off")


def test_a_doctor_touches_only_their_own_schedule(uow, admin, doctor):
    other = make_doctor(uow, admin, "dr.other@example.com")
    rule = schedule.add_rule(uow, actor=doctor, weekday="mon", start="09:00", end="12:00")
    exc = schedule.add_exception(uow, actor=doctor, on="2026-12-24", kind="off")
    with pytest.raises(NotFound):
        schedule.remove_rule(uow, actor=other, rule_id=rule.id)
    with pytest.raises(NotFound):
        schedule.remove_exception(uow, actor=other, exception_id=exc.id)
    assert schedule.show_schedule(uow, actor=other).rules == ()
    assert [r.id for r in schedule.show_schedule(uow, actor=doctor).rules] == [rule.id]


def test_other_roles_are_refused_in_core(uow, admin):
    patient = make_user(uow, email="pat@example.com")
    desk = make_user(uow, email="desk@example.com", role=Role.RECEPTIONIST)
    for actor in (patient, desk, admin):
        with pytest.raises(PermissionDenied):
            schedule.add_rule(uow, actor=actor, weekday="mon", start="09:00", end="10:00")
        with pytest.raises(PermissionDenied):
            schedule.show_schedule(uow, actor=actor)
        with pytest.raises(PermissionDenied):
            schedule.add_exception(uow, actor=actor, on="2026-12-24", kind="off")
    with pytest.raises(AuthenticationError):
        schedule.show_schedule(uow, actor=Actor.anonymous())
