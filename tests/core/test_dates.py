"""Days as the desk types them: today, tomorrow, weekday names, +N/-N and ISO dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doctorbook.core.base.dates import ACCEPTED, parse_day
from doctorbook.core.base.errors import ValidationError

TUESDAY = date(2026, 11, 24)
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@pytest.mark.parametrize(("text", "expected"), [
    ("today", TUESDAY),
    ("  Tomorrow ", date(2026, 11, 25)),
    ("YESTERDAY", date(2026, 11, 23)),
    ("tue", TUESDAY),  # today included
    ("Tuesday", TUESDAY),
    ("wed", date(2026, 11, 25)),
    ("fri", date(2026, 11, 27)),
    ("sat", date(2026, 11, 28)),
    ("mon", date(2026, 11, 30)),  # across the weekend
    ("+3", date(2026, 11, 27)),
    ("+ 3", date(2026, 11, 27)),
    ("-1", date(2026, 11, 23)),
    ("+0", TUESDAY),
    ("+40", date(2027, 1, 3)),
    ("2026-12-24", date(2026, 12, 24)),
    (" 2024-02-29 ", date(2024, 2, 29)),
])
def test_what_the_desk_types(text: str, expected: date) -> None:
    assert parse_day(text, TUESDAY) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "garbage", "26.11.2026", "2026-02-30", "2026-2-3", "mo", "thurs", "next fri",
    "3", "++3", "+3d", "+99999", "+\u0661",
    "\uff12\uff10\uff12\uff16-\uff11\uff12-\uff12\uff14", "today\x1b[31m", "tomorrow!",
])
def test_anything_else_is_refused_saying_what_is_accepted(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_day(text, TUESDAY)
    message = str(caught.value)
    assert message.startswith("not a date: ") and message.endswith(f"write {ACCEPTED}")
    assert "\n" not in message and "\x1b" not in message


def test_a_step_off_the_calendar_is_refused_not_a_crash() -> None:
    with pytest.raises(ValidationError):
        parse_day("+3000", date(9999, 12, 1))
    with pytest.raises(ValidationError):
        parse_day("-5", date(1, 1, 2))


@settings(max_examples=60, deadline=None)
@given(today=DAYS, days=st.integers(min_value=-400, max_value=400))
def test_an_offset_is_that_many_days(today: date, days: int) -> None:
    assert parse_day(f"{days:+d}", today) == today + timedelta(days=days)


@settings(max_examples=60, deadline=None)
@given(today=DAYS, weekday=st.integers(min_value=0, max_value=6), short=st.booleans(),
       upper=st.booleans())
def test_a_weekday_is_the_next_such_day_within_a_week(
    today: date, weekday: int, short: bool, upper: bool
) -> None:
    name = WEEKDAYS[weekday][:3] if short else WEEKDAYS[weekday]
    day = parse_day(name.upper() if upper else name, today)
    assert day.weekday() == weekday
    assert 0 <= (day - today).days <= 6


@settings(max_examples=60, deadline=None)
@given(today=DAYS, day=DAYS)
def test_an_iso_date_is_itself_whatever_today_is(today: date, day: date) -> None:
    assert parse_day(day.isoformat(), today) == day
