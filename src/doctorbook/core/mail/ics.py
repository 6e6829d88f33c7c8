"""iCalendar (RFC 5545/5546) invitations for appointments: one stable UID, SEQUENCE per change.

Built with the `icalendar` library, which escapes and folds text (names, places and reasons
are user input) the way calendars expect to parse it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def uid(appointment_id: int) -> str:
    """The same for every e-mail about one appointment, so calendars update one event."""
    return f"appointment-{appointment_id}@doctorbook"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def calendar(
    *,
    method: Method,
    appointment_id: int,
    sequence: int,
    starts_at: datetime,
    ends_at: datetime,
    stamp: datetime,
    summary: str,
    location: str,
    organizer_name: str,
    organizer_email: str,
    attendee_name: str,
    attendee_email: str,
    tentative: bool = False,
) -> bytes:
    """The .ics file (CRLF lines, folded at 75 octets), times in UTC."""
    status = "CANCELLED" if method == Method.CANCEL else ("TENTATIVE" if tentative else "CONFIRMED")
    cal = Calendar()
    cal.add("prodid", "-//doctorbook//appointments//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", str(method))
    event = Event()
    event.add("uid", uid(appointment_id))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    event.add("organizer", _address(organizer_email, organizer_name))
    event.add("attendee", _address(attendee_email, attendee_name, ROLE="REQ-PARTICIPANT"))
    event.add("status", status)
    cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def content_type(method: Method) -> str:
    return f"text/calendar; method={method}; charset=UTF-8"
