"""The .ics files, built with the icalendar library: what calendars read back, hostile text
escaped and folded, one UID per visit, SEQUENCE and STATUS per change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from icalendar import Calendar

from doctorbook.core.mail import ics, visits

START = datetime(2026, 11, 27, 10, 0, tzinfo=timezone(timedelta(hours=1)))  # 09:00 UTC
HOSTILE = 'Dr "Q"; Eve, [b]x[/b] \\ <i>y</i>\r\nMETHOD:CANCEL\n'


def _build(**overrides: Any) -> bytes:
    options: dict[str, Any] = {
        "method": ics.Method.REQUEST, "appointment_id": 42, "sequence": 3,
        "starts_at": START, "ends_at": START + timedelta(minutes=30),
        "stamp": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "summary": "Appointment with Dr House", "location": "Berlin Clinic, Hauptstr. 1, Berlin",
        "organizer_name": "Dr House", "organizer_email": "house@clinic.example",
        "attendee_name": "Alice", "attendee_email": "alice@example.com",
    }
    return ics.calendar(**{**options, **overrides})


def _event(data: bytes) -> tuple[Calendar, Any]:
    cal = Calendar.from_ical(data)
    return cal, cal.walk("VEVENT")[0]


def test_an_invitation_reads_back_field_by_field() -> None:
    data = _build()
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    cal, event = _event(data)
    assert str(cal["METHOD"]) == "REQUEST" and str(cal["VERSION"]) == "2.0"
    assert str(event["UID"]) == "appointment-42@doctorbook"
    assert int(event["SEQUENCE"]) == 3
    assert event["DTSTART"].dt == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert b"DTSTART:20261127T090000Z\r\n" in data and b"DTEND:20261127T093000Z\r\n" in data
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:house@clinic.example"
    assert event["ORGANIZER"].params["CN"] == "Dr House"
    assert str(event["ATTENDEE"]) == "mailto:alice@example.com"
    assert event["ATTENDEE"].params["CN"] == "Alice"
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"


@pytest.mark.parametrize(("method", "tentative", "status"), [
    (ics.Method.REQUEST, True, "TENTATIVE"),
    (ics.Method.REQUEST, False, "CONFIRMED"),
    (ics.Method.CANCEL, False, "CANCELLED"),
    (ics.Method.CANCEL, True, "CANCELLED"),
])
def test_status_follows_the_method_and_a_pending_visit(
    method: ics.Method, tentative: bool, status: str
) -> None:
    cal, event = _event(_build(method=method, tentative=tentative))
    assert str(cal["METHOD"]) == str(method) and str(event["STATUS"]) == status


def test_hostile_text_is_escaped_and_folded_and_reads_back_whole() -> None:
    reason_sized = HOSTILE + "é" * 2000
    data = _build(summary=reason_sized, location=HOSTILE, organizer_name=HOSTILE,
                  attendee_name=HOSTILE)
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)  # octets, never inside a UTF-8 sequence
    data.decode("utf-8")
    # Injected text never becomes a property of its own: one METHOD, the real one.
    assert [line for line in lines if line.startswith(b"METHOD")] == [b"METHOD:REQUEST"]
    assert not any(line.startswith((b"BCC", b"END:VCALENDAR ")) for line in lines)
    cal, event = _event(data)
    expected = HOSTILE.replace("\r\n", "\n")
    assert str(event["SUMMARY"]) == expected + "é" * 2000
    assert str(event["LOCATION"]) == expected
    assert event["ORGANIZER"].params["CN"].replace("\r\n", "\n").rstrip() == expected.rstrip()
    assert str(cal["METHOD"]) == "REQUEST"


def test_a_move_carries_the_new_invitation_and_the_old_one_withdrawn() -> None:
    facts = {
        "appointment_id": 7, "sequence": 0, "status": "confirmed",
        "starts_at": "2026-11-27T09:00:00+00:00", "ends_at": "2026-11-27T09:30:00+00:00",
        "tz": "Europe/Berlin", "doctor_name": "Dr House", "doctor_email": "house@x.example",
        "patient_name": "Alice", "clinic_name": "Berlin Clinic", "city": "Berlin",
        "ics": "REQUEST",
        "old": {"appointment_id": 6, "sequence": 1, "status": "cancelled",
                "starts_at": "2026-11-25T09:00:00+00:00", "ends_at": "2026-11-25T09:30:00+00:00",
                "tz": "Europe/Berlin"},
    }
    stamp = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    (new_name, new_type, new), (old_name, old_type, old) = visits.calendars(
        facts, to_address="alice@example.com", stamp=stamp)
    assert (new_name, old_name) == ("appointment.ics", "cancelled.ics")
    assert new_type == "text/calendar; method=REQUEST; charset=UTF-8"
    assert old_type == "text/calendar; method=CANCEL; charset=UTF-8"
    _, moved = _event(new)
    _, withdrawn = _event(old)
    assert str(moved["UID"]) == "appointment-7@doctorbook" and str(moved["STATUS"]) == "CONFIRMED"
    assert str(withdrawn["UID"]) == "appointment-6@doctorbook"
    assert str(withdrawn["STATUS"]) == "CANCELLED" and int(withdrawn["SEQUENCE"]) == 1
    assert withdrawn["DTSTART"].dt == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert str(moved["LOCATION"]) == "Berlin Clinic, Berlin"
    assert visits.calendars({**facts, "ics": None}, to_address="a@b.example", stamp=stamp) == []
