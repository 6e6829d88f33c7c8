"""The next bookable slot of a doctor, and the earliest one of each doctor of a specialty."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.earliest import earliest_for_specialty
from doctorbook.core.doctors import doctors
from doctorbook.core.scheduling.availability import HORIZON
from doctorbook.core.scheduling.dayview import day_slots, next_open_slot
from tests.booking.conftest import IN_1_HOUR, TOMORROW_10, Clinic, add_slot, clinic
from tests.conftest import NOW
from tests.search.conftest import make_visible_doctor

__all__ = ["clinic"]

# The clock reads Tue 24 Nov 2026 09:00Z (10:00 in Berlin); the doctors' lead time is 2 h.
FRI_1600 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
MON_0900 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@contextmanager
def statements(uow: UnitOfWork) -> Iterator[list[str]]:
    """The SQL statements the session's connection sends while the block runs."""
    uow.session.execute(text("SELECT 1"))  # the savepoint is open before counting
    conn = uow.session.connection()
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", record)


# --- next_open_slot ------------------------------------------------------------------------


def test_the_next_slot_skips_the_weekend_and_what_is_taken(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    """Friday afternoon is booked, blocked or over; the weekend has nothing: Monday 09:00."""
    doctor = clinic.doctor.user_id or 0
    add_slot(uow, doctor, NOW - timedelta(hours=1))  # started: nobody books it any more
    taken = add_slot(uow, doctor, FRI_1600 - timedelta(minutes=30))
    booking.book(uow, actor=clinic.alice, slot_id=taken)
    add_slot(uow, doctor, FRI_1600, status="blocked")
    monday = add_slot(uow, doctor, MON_0900)
    add_slot(uow, doctor, MON_0900 + timedelta(minutes=30))

    found = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor)
    assert found is not None
    assert (found.slot_id, found.bookable, found.short_notice) == (monday, True, False)
    assert f"{found.starts_at:%a %d %b %H:%M %Z}" == "Mon 30 Nov 09:00 CET"
    assert found.timezone == "Europe/Berlin"
    # The day view shows the same slot, the same way.
    [same] = [s for s in day_slots(uow, actor=clinic.desk, doctor_id=doctor,
                                   day=found.starts_at.date()) if s.slot_id == monday]
    assert same == found


def test_a_cancelled_visit_frees_its_slot_for_the_next_slot(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    doctor = clinic.doctor.user_id or 0
    slot = add_slot(uow, doctor, TOMORROW_10)
    visit = booking.book(uow, actor=clinic.alice, slot_id=slot)
    assert next_open_slot(uow, actor=clinic.desk, doctor_id=doctor) is None
    lifecycle.cancel(uow, actor=clinic.desk, appointment_id=visit.id, reason="ill")
    found = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor)
    assert found is not None and found.slot_id == slot


def test_short_notice_counts_for_the_desk_and_is_marked(uow: UnitOfWork, clinic: Clinic) -> None:
    """In one hour, inside the 2 h lead time: bookable by the desk with an override."""
    doctor = clinic.doctor.user_id or 0
    soon = add_slot(uow, doctor, IN_1_HOUR)
    add_slot(uow, doctor, TOMORROW_10)
    found = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor)
    assert found is not None
    assert (found.slot_id, found.bookable, found.short_notice) == (soon, True, True)


def test_after_moves_the_start_but_never_before_now(uow: UnitOfWork, clinic: Clinic) -> None:
    doctor = clinic.doctor.user_id or 0
    first, second = (add_slot(uow, doctor, TOMORROW_10 + timedelta(minutes=30 * i))
                     for i in range(2))
    found = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor, after=TOMORROW_10)
    assert found is not None and found.slot_id == second  # strictly after
    early = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor,
                           after=NOW - timedelta(days=30))
    assert early is not None and early.slot_id == first
    assert next_open_slot(uow, actor=clinic.desk, doctor_id=doctor,
                          after=TOMORROW_10 + timedelta(hours=1)) is None
    with pytest.raises(ValidationError):
        next_open_slot(uow, actor=clinic.desk, doctor_id=doctor,
                       after=datetime(2026, 11, 25, 10, 0))  # naive: whose 10:00?


def test_nothing_beyond_the_horizon(uow: UnitOfWork, clinic: Clinic) -> None:
    doctor = clinic.doctor.user_id or 0
    add_slot(uow, doctor, NOW + HORIZON + timedelta(hours=1))
    assert next_open_slot(uow, actor=clinic.desk, doctor_id=doctor) is None
    last = add_slot(uow, doctor, NOW + HORIZON - timedelta(hours=1))
    found = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor)
    assert found is not None and found.slot_id == last


def test_who_may_ask_for_the_next_slot(uow: UnitOfWork, clinic: Clinic) -> None:
    doctor = clinic.doctor.user_id or 0
    slot = add_slot(uow, doctor, TOMORROW_10)
    for actor in (clinic.desk, clinic.admin, clinic.doctor):
        found = next_open_slot(uow, actor=actor, doctor_id=doctor)
        assert found is not None and found.slot_id == slot
    for actor in (clinic.other_doctor, clinic.alice):
        with pytest.raises(PermissionDenied):
            next_open_slot(uow, actor=actor, doctor_id=doctor)
    with pytest.raises(AuthenticationError):
        next_open_slot(uow, actor=Actor.anonymous(), doctor_id=doctor)
    with pytest.raises(NotFound):
        next_open_slot(uow, actor=clinic.desk, doctor_id=987654)


def test_the_next_slot_is_one_statement_whatever_the_days_between(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    doctor = clinic.doctor.user_id or 0
    far = add_slot(uow, doctor, NOW + timedelta(days=45))
    with statements(uow) as seen:
        found = next_open_slot(uow, actor=clinic.desk, doctor_id=doctor)
    assert found is not None and found.slot_id == far
    assert len(seen) == 1, seen


# --- earliest_for_specialty ------------------------------------------------------------------


def test_earliest_lists_each_doctor_once_soonest_first(uow: UnitOfWork, clinic: Clinic) -> None:
    """House (Berlin) is free on Monday, Cameron (New York) tomorrow; Chase has nothing and
    Wilson is an oncologist: neither is listed."""
    cameron = make_visible_doctor(uow, clinic.admin, "cameron@clinic.example",
                                  name="Dr Allison Cameron", timezone="America/New_York",
                                  city="New York")
    make_visible_doctor(uow, clinic.admin, "chase@clinic.example", name="Dr Robert Chase")
    house = clinic.doctor.user_id or 0
    add_slot(uow, house, MON_0900)
    add_slot(uow, house, MON_0900 + timedelta(hours=1))
    cameron_slot = add_slot(uow, cameron.user_id or 0, TOMORROW_10 + timedelta(hours=5))
    add_slot(uow, clinic.other_doctor.user_id or 0, IN_1_HOUR)

    with statements(uow) as seen:
        found = earliest_for_specialty(uow, actor=clinic.desk, specialty="  CARDIOLOGY ")
    assert len(seen) == 2, seen  # the specialty's id, then the one listing
    assert [(e.doctor_name, e.city, f"{e.starts_at:%a %H:%M %Z}") for e in found] == [
        ("Dr Allison Cameron", "New York", "Wed 09:00 EST"),
        ("Dr Gregory House", "Berlin", "Mon 09:00 CET"),
    ]
    assert found[0].slot_id == cameron_slot
    assert found[0].clinic == "New York Clinic" and found[0].timezone == "America/New_York"
    assert not any(e.short_notice for e in found)
    assert [e.doctor_name for e in earliest_for_specialty(
        uow, actor=clinic.admin, specialty="Cardiology", limit=1)] == ["Dr Allison Cameron"]


def test_earliest_counts_short_notice_and_leaves_hidden_doctors_out(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    house = clinic.doctor.user_id or 0
    add_slot(uow, house, IN_1_HOUR)
    [found] = earliest_for_specialty(uow, actor=clinic.desk, specialty="Cardiology")
    assert found.short_notice and found.doctor_id == house
    doctors.set_status(uow, actor=clinic.admin, doctor_id=house, active=False)
    assert earliest_for_specialty(uow, actor=clinic.desk, specialty="Cardiology") == []


def test_earliest_refuses_unknown_specialties_bad_limits_and_patients(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    with pytest.raises(NotFound, match=r"no specialty named 'Astrology'.*Cardiology"):
        earliest_for_specialty(uow, actor=clinic.desk, specialty="Astrology")
    for limit in (0, 101):
        with pytest.raises(ValidationError, match="limit"):
            earliest_for_specialty(uow, actor=clinic.desk, specialty="Cardiology", limit=limit)
    with pytest.raises(ValidationError):
        earliest_for_specialty(uow, actor=clinic.desk, specialty="  ")
    for actor in (clinic.alice, clinic.doctor):
        with pytest.raises(PermissionDenied):
            earliest_for_specialty(uow, actor=actor, specialty="Cardiology")
    with pytest.raises(AuthenticationError):
        earliest_for_specialty(uow, actor=Actor.anonymous(), specialty="Cardiology")
