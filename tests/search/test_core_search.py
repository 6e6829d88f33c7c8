"""Core: search returns each doctor's next open slots (lead time, clinic dates, horizon, sort)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from doctorbook.core.base.errors import NotFound, ValidationError
from doctorbook.core.booking import search
from doctorbook.core.scheduling import schedule, slots
from doctorbook.core.scheduling.availability import HORIZON
from tests.conftest import NOW
from tests.search.conftest import add_slot, make_visible_doctor


def _starts(result):
    return [s.starts_at.isoformat() for s in result.next_slots]


def test_generated_slots_appear_after_the_lead_time(uow, admin):
    # Now is Tue 24 Nov 2026 10:00 in Berlin; lead 120 min: nothing before 12:00 local.
    doc = make_visible_doctor(uow, admin, "dr.a@example.com", name="Dr Anna Alpha")
    schedule.add_rule(uow, actor=doc, weekday="tue", start="09:00", end="17:00", slot_minutes=60)
    slots.generate(uow, actor=doc, days=7)
    (result,) = search.search(uow)
    assert result.timezone == "Europe/Berlin"
    assert _starts(result) == ["2026-11-24T12:00:00+01:00", "2026-11-24T13:00:00+01:00",
                               "2026-11-24T14:00:00+01:00"]
    # A shorter lead time brings the next slots forward; the slot starting right now counts.
    from doctorbook.core.doctors import doctors
    doctors.update_profile(uow, actor=doc, lead_minutes=0)
    assert _starts(search.search(uow)[0])[0] == "2026-11-24T10:00:00+01:00"


def test_the_date_is_each_clinics_own_local_day(uow, admin):
    berlin = make_visible_doctor(uow, admin, "dr.b@example.com", name="Dr Berlin")
    york = make_visible_doctor(uow, admin, "dr.n@example.com", name="Dr York",
                               timezone="America/New_York", city="New York", lead_minutes=0)
    # Thu 26 Nov starts at 23:00Z on the 25th in Berlin and at 05:00Z on the 26th in New York.
    add_slot(uow, berlin.user_id, datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # Wed 23:30 local
    first_berlin = add_slot(uow, berlin.user_id, datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    add_slot(uow, york.user_id, datetime(2026, 11, 26, 4, 30, tzinfo=UTC))  # Wed 23:30 local
    first_york = add_slot(uow, york.user_id, datetime(2026, 11, 26, 5, 0, tzinfo=UTC))
    results = search.search(uow, date=date(2026, 11, 26))
    assert [(r.name, r.next_slots[0].slot_id, _starts(r)[0]) for r in results] == [
        ("Dr Berlin", first_berlin, "2026-11-26T00:00:00+01:00"),
        ("Dr York", first_york, "2026-11-26T00:00:00-05:00"),
    ]
    # Without a date, the earlier (Wednesday) slots lead.
    assert [_starts(r)[0] for r in search.search(uow)] == [
        "2026-11-25T23:30:00+01:00", "2026-11-25T23:30:00-05:00"]


def test_generated_schedules_in_two_timezones_same_date(uow, admin):
    berlin = make_visible_doctor(uow, admin, "dr.b@example.com", name="Dr Berlin")
    york = make_visible_doctor(uow, admin, "dr.n@example.com", name="Dr York",
                               timezone="America/New_York", city="New York")
    for doc in (berlin, york):
        schedule.add_rule(uow, actor=doc, weekday="thu", start="09:00", end="11:00",
                          slot_minutes=60)
        slots.generate(uow, actor=doc, days=14)
    results = search.search(uow, date=date(2026, 11, 26), slots=2)
    # 09:00 in Berlin (08:00Z) comes before 09:00 in New York (14:00Z).
    assert [(r.name, _starts(r)) for r in results] == [
        ("Dr Berlin", ["2026-11-26T09:00:00+01:00", "2026-11-26T10:00:00+01:00"]),
        ("Dr York", ["2026-11-26T09:00:00-05:00", "2026-11-26T10:00:00-05:00"]),
    ]
    assert [r.next_slots[0].starts_at.astimezone(UTC).hour for r in results] == [8, 14]


def test_booked_and_blocked_slots_never_appear(uow, admin):
    doc = make_visible_doctor(uow, admin, "dr.a@example.com", name="Dr A", lead_minutes=0)
    base = NOW + timedelta(hours=1)
    add_slot(uow, doc.user_id, base, status="booked")
    add_slot(uow, doc.user_id, base + timedelta(hours=1), status="blocked")
    open_id = add_slot(uow, doc.user_id, base + timedelta(hours=2))
    add_slot(uow, doc.user_id, base + timedelta(hours=3), status="booked")
    (result,) = search.search(uow)
    assert [s.slot_id for s in result.next_slots] == [open_id]
    # Only booked slots on the date: the doctor isn't a result for it.
    add_slot(uow, doc.user_id, datetime(2026, 12, 1, 9, tzinfo=UTC), status="booked")
    assert search.search(uow, date=date(2026, 12, 1)) == []


def test_the_horizon_ends_sixty_days_from_now(uow, admin):
    assert timedelta(days=60) == HORIZON
    doc = make_visible_doctor(uow, admin, "dr.a@example.com", name="Dr A", lead_minutes=0)
    inside = add_slot(uow, doc.user_id, NOW + HORIZON - timedelta(minutes=30))
    add_slot(uow, doc.user_id, NOW + HORIZON)
    add_slot(uow, doc.user_id, NOW + HORIZON + timedelta(days=1))
    (result,) = search.search(uow, date=date(2027, 1, 23))
    assert [s.slot_id for s in result.next_slots] == [inside]
    assert search.search(uow, date=date(2027, 1, 24)) == []
    assert search.search(uow, date=date(2027, 6, 1)) == []


def test_a_past_date_means_from_now_plus_lead_time(uow, admin):
    doc = make_visible_doctor(uow, admin, "dr.a@example.com", name="Dr A", lead_minutes=60)
    add_slot(uow, doc.user_id, NOW + timedelta(minutes=30))
    later = add_slot(uow, doc.user_id, NOW + timedelta(minutes=60))
    (result,) = search.search(uow, date=date(2026, 1, 1))
    assert [s.slot_id for s in result.next_slots] == [later]


def test_sorted_by_soonest_slot_then_name_and_the_date_filter(uow, admin):
    made = {}
    for email, name in [("z@example.com", "Dr Zed"), ("m@example.com", "Dr Amy"),
                        ("t@example.com", "Dr Tie"), ("b@example.com", "Dr Bob"),
                        ("a@example.com", "Dr Abe")]:
        made[name] = make_visible_doctor(uow, admin, email, name=name, lead_minutes=0).user_id
    day = datetime(2026, 11, 30, 8, tzinfo=UTC)
    add_slot(uow, made["Dr Zed"], day)
    add_slot(uow, made["Dr Amy"], day + timedelta(hours=2))
    add_slot(uow, made["Dr Tie"], day + timedelta(hours=2))
    add_slot(uow, made["Dr Bob"], NOW + timedelta(hours=3))  # before the date only
    names = [r.name for r in search.search(uow)]
    # Soonest first; a tie goes by name (ratings come later); no slots at all: last, by name.
    assert names == ["Dr Bob", "Dr Zed", "Dr Amy", "Dr Tie", "Dr Abe"]
    assert search.search(uow)[-1].next_slots == ()
    # With a date, doctors without a slot on or after it are left out.
    assert [r.name for r in search.search(uow, date=date(2026, 11, 30))] == [
        "Dr Zed", "Dr Amy", "Dr Tie"]


def test_slot_count_and_filters_combine(uow, admin):
    card = make_visible_doctor(uow, admin, "c@example.com", name="Dr Card", lead_minutes=0)
    derm = make_visible_doctor(uow, admin, "d@example.com", name="Dr Derm", lead_minutes=0,
                               specialty="Dermatology", city="Hamburg")
    for doc in (card, derm):
        for hour in range(12):
            add_slot(uow, doc.user_id, NOW + timedelta(hours=hour + 1))
    assert [len(r.next_slots) for r in search.search(uow)] == [3, 3]
    assert [len(r.next_slots) for r in search.search(uow, slots=10)] == [10, 10]
    # slots=0 still sorts and filters by availability, it just lists none.
    zero = search.search(uow, date=date(2026, 11, 24), slots=0)
    assert [(r.name, r.next_slots) for r in zero] == [("Dr Card", ()), ("Dr Derm", ())]
    found = search.search(uow, specialty="dermatology", city="HAMBURG", date=date(2026, 11, 24))
    assert [r.name for r in found] == ["Dr Derm"] and found[0].specialties == ("Dermatology",)
    assert search.search(uow, specialty="Cardiology", city="Hamburg") == []
    with pytest.raises(NotFound, match="no specialty named 'Nope'"):
        search.search(uow, specialty="Nope")
    for bad in (-1, 11):
        with pytest.raises(ValidationError, match="slots must be from 0 to 10"):
            search.search(uow, slots=bad)


def test_hidden_doctors_are_not_searched_even_with_slots(uow, admin):
    from doctorbook.core.doctors import doctors
    doc = make_visible_doctor(uow, admin, "dr.a@example.com", name="Dr A", lead_minutes=0)
    add_slot(uow, doc.user_id, NOW + timedelta(hours=1))
    doctors.set_status(uow, actor=admin, doctor_id=doc.user_id, active=False)
    assert search.search(uow, date=date(2026, 11, 24)) == []
