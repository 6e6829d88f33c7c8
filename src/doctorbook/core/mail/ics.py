"""iCalendar (RFC 5545/5546) invitations for appointments: one stable UID, SEQUENCE per change."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from doctorbook.core.mail.outbox import Attachment


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def uid(appointment_id: int) -> str:
    """The same for every e-mail about one appointment, so calendars update one event."""
    return f"appointment-{appointment_id}@doctorbook"


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 sequence (RFC 5545 §3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines start with one space
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


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
) -> str:
    status = "CANCELLED" if method == Method.CANCEL else ("TENTATIVE" if tentative else "CONFIRMED")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//doctorbook//appointments//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid(appointment_id)}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"ORGANIZER;CN=\"{organizer_name.replace(chr(34), '')}\":mailto:{organizer_email}",
        f"ATTENDEE;CN=\"{attendee_name.replace(chr(34), '')}\";ROLE=REQ-PARTICIPANT:"
        f"mailto:{attendee_email}",
        f"STATUS:{status}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def attachment(method: Method, body: str, filename: str = "appointment.ics") -> Attachment:
    return Attachment(
        filename=filename,
        content_type=f"text/calendar; method={method}; charset=UTF-8",
        data=body.encode("utf-8"),
    )
