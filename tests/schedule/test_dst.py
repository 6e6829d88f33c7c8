"""DST: the planner's properties around the 2026/2027 transitions, and generation end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from doctorbook.core.base.models import AvailabilitySlot
from doctorbook.core.scheduling import schedule, slots
from doctorbook.core.scheduling.schedule import RuleView
from tests.schedule.conftest import make_doctor

#: Local dates of the 2026 and 2027 clock changes (Kolkata has none: its dates are controls).
TRANSITIONS = {
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28),
                      date(2027, 10, 31)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14),
                         date(2027, 11, 7)],
    "Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4), date(2027, 4, 4),
                         date(2027, 10, 3)],
    "Asia/Kolkata": [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28),
                     date(2027, 10, 31)],
}
SLOT_LENGTHS = (5, 10, 15, 20, 30, 45, 60, 90, 120)


def _offset(zone: ZoneInfo, day: date, hour: int) -> timedelta | None:
    return datetime.combine(day, time(hour), tzinfo=zone).utcoffset()


def test_the_transition_dates_really_are_transitions():
    for name, days in TRANSITIONS.items():
        zone = ZoneInfo(name)
        changes = [_offset(zone, d, 0) != _offset(zone, d + timedelta(days=1), 0) for d in days]
        assert all(changes) if name != "Asia/Kolkata" else not any(changes), name


def _rule(rule_id: int, weekday: int, start_minute: int, slots_in_window: int,
          length: int) -> RuleView:
    end_minute = min(start_minute + slots_in_window * length, 23 * 60 + 55)
    end_minute -= (end_minute - start_minute) % length
    return RuleView(rule_id, weekday, schedule.WEEKDAYS[weekday],
                    time(start_minute // 60, start_minute % 60),
                    time(end_minute // 60, end_minute % 60), length, None, None)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[ZoneInfo, date, date, list[RuleView]]:
    name = draw(st.sampled_from(sorted(TRANSITIONS)))
    pivot = draw(st.sampled_from(TRANSITIONS[name]))
    first = pivot - timedelta(days=draw(st.integers(0, 2)))
    last = pivot + timedelta(days=draw(st.integers(0, 2)))
    rules = []
    for i in range(draw(st.integers(1, 3))):
        length = draw(st.sampled_from(SLOT_LENGTHS))
        # Start near the small hours often: that's where the clocks change.
        start = draw(st.one_of(st.integers(0, 4 * 12), st.integers(0, 23 * 12 - 1))) * 5
        weekday = draw(st.sampled_from([pivot.weekday(), draw(st.integers(0, 6))]))
        if (start + length) > 23 * 60 + 55:
            start = 0
        rules.append(_rule(i, weekday, start, draw(st.integers(1, 12)), length))
    return ZoneInfo(name), first, last, rules


def _wall_minutes(value: time) -> int:
    return value.hour * 60 + value.minute


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_planned_slots_follow_the_wall_clock_and_never_overlap(scenario):
    zone, first, last, rules = scenario
    planned = slots.plan(rules, [], zone=zone, first=first, last=last, default_slot_minutes=30)

    walls = []
    for i, (start, end) in enumerate(planned):
        local = start.astimezone(zone)
        wall = local.replace(tzinfo=None)
        walls.append(wall)
        # Produced by a rule: right weekday, on its grid, inside its window; length absolute.
        assert any(
            r.weekday == wall.weekday()
            and r.start_time <= wall.time()
            and (_wall_minutes(wall.time()) - _wall_minutes(r.start_time)) % r.slot_minutes == 0
            and _wall_minutes(wall.time()) + r.slot_minutes <= _wall_minutes(r.end_time)
            and end - start == timedelta(minutes=r.slot_minutes)
            for r in rules
        ), (wall, rules)
        # An existing local time, and its first occurrence when it happens twice.
        assert wall.replace(tzinfo=zone, fold=0).astimezone(UTC) == start
        assert first <= wall.date() <= last
        if i:
            assert start >= planned[i - 1][1], "slots overlap"
    assert len(set(walls)) == len(walls), "a wall time was produced twice"

    # And nothing is lost: every existing wall time of a rule is a slot or overlaps one.
    day = first
    while day <= last:
        for window in slots.windows_for(day, rules, [], 30):
            minute = _wall_minutes(window.start)
            while minute + window.slot_minutes <= _wall_minutes(window.end):
                instant = slots.local_instant(day, time(minute // 60, minute % 60), zone)
                if instant is not None:
                    end = instant + timedelta(minutes=window.slot_minutes)
                    assert any(s < end and instant < e for s, e in planned)
                minute += window.slot_minutes
        day += timedelta(days=1)


def _every_day(start: str, end: str, length: int) -> list[RuleView]:
    s, e = schedule.parse_hhmm(start), schedule.parse_hhmm(end)
    return [RuleView(d, d, schedule.WEEKDAYS[d], s, e, length, None, None) for d in range(7)]


@pytest.mark.parametrize(("name", "pivot"), [
    (name, pivot) for name, days in TRANSITIONS.items() for pivot in days])
def test_eight_oclock_stays_eight_oclock(name, pivot):
    zone = ZoneInfo(name)
    planned = slots.plan(_every_day("08:00", "09:00", 60), [], zone=zone,
                         first=pivot - timedelta(days=3), last=pivot + timedelta(days=3),
                         default_slot_minutes=30)
    assert [s.astimezone(zone).strftime("%H:%M") for s, _ in planned] == ["08:00"] * 7
    assert all(e - s == timedelta(hours=1) for s, e in planned)


@pytest.mark.parametrize(("name", "spring", "autumn", "skipped", "repeated"), [
    # (zone, spring-forward date, fall-back date, local hour skipped, local hour repeated)
    ("Europe/Berlin", date(2027, 3, 28), date(2027, 10, 31), 2, 2),
    ("America/New_York", date(2026, 3, 8), date(2026, 11, 1), 2, 1),
    ("Australia/Sydney", date(2026, 10, 4), date(2026, 4, 5), 2, 2),
])
def test_skipped_hour_skipped_and_repeated_hour_once(name, spring, autumn, skipped, repeated):
    zone = ZoneInfo(name)
    hours = _every_day("00:00", "05:00", 30)
    spring_plan = slots.plan(hours, [], zone=zone, first=spring, last=spring,
                             default_slot_minutes=30)
    spring_walls = [s.astimezone(zone).strftime("%H:%M") for s, _ in spring_plan]
    assert f"{skipped:02d}:00" not in spring_walls and f"{skipped:02d}:30" not in spring_walls
    assert len(spring_plan) == 10 - 2
    autumn_plan = slots.plan(hours, [], zone=zone, first=autumn, last=autumn,
                             default_slot_minutes=30)
    autumn_walls = [s.astimezone(zone).strftime("%H:%M") for s, _ in autumn_plan]
    assert autumn_walls.count(f"{repeated:02d}:00") == 1 and len(autumn_plan) == 10
    assert autumn_walls == sorted(autumn_walls)


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
def test_generation_across_a_transition_in_the_database(uow, admin, clock, name):
    """End to end: the slots in the table are the plan, once, and a rerun adds nothing."""
    zone = ZoneInfo(name)
    pivot = TRANSITIONS[name][2]  # the 2027 spring (north) / autumn (south) change
    doctor = make_doctor(uow, admin, "dr.dst@example.com", timezone=name)
    for day in range(7):
        schedule.add_rule(uow, actor=doctor, weekday=day, start="00:00", end="04:00")
    clock.instant = datetime.combine(pivot - timedelta(days=1), time(12), tzinfo=zone)
    report = slots.generate(uow, actor=doctor, days=3)
    rows = list(uow.session.execute(
        select(AvailabilitySlot.starts_at, AvailabilitySlot.ends_at)
        .where(AvailabilitySlot.doctor_id == doctor.user_id)
        .order_by(AvailabilitySlot.starts_at)))
    expected = slots.plan(_every_day("00:00", "04:00", 30), [], zone=zone, first=pivot,
                          last=pivot + timedelta(days=1), default_slot_minutes=30)
    assert [(s, e) for s, e in rows] == expected and report.created == len(expected)
    assert len(expected) == 16 - (2 if name in ("Europe/Berlin", "America/New_York") else 0)
    assert slots.generate(uow, actor=doctor, days=3).created == 0
