"""Appointment e-mails' words and calendar files, from the facts frozen in the outbox row.

The facts are plain JSON (ids, names, instants in ISO 8601, the clinic's timezone): the booking
writes them, and the dispatcher's reminder derivation builds the same keys in SQL. Everything
a person reads (times in the clinic's zone, "you can cancel online until ...", the .ics) is
made here, when the e-mail is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doctorbook.core.mail import ics

TEMPLATE = "appointment"


def when(start: datetime, end: datetime, zone: str) -> str:
    """'Tuesday 1 December 2026, 09:00 to 09:30 (Europe/Berlin, CET)'."""
    return (
        f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} to {end:%H:%M} "
        f"({zone}, {start.tzname()})"
    )


def location(clinic_name: str | None, address: str | None, city: str | None) -> str:
    parts = [p for p in (clinic_name, address, city) if p]
    return ", ".join(parts) or "the clinic"


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _span(facts: Mapping[str, Any]) -> tuple[datetime, datetime, str]:
    """Start and end in the clinic's zone, and the zone's name."""
    zone_name = str(facts.get("tz") or "UTC")
    zone = ZoneInfo(zone_name)
    return (_instant(facts["starts_at"]).astimezone(zone),
            _instant(facts["ends_at"]).astimezone(zone), zone_name)


def context(facts: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """What the templates get; `at` is the sending instant (judges the cancel deadline)."""
    start, end, zone = _span(facts)
    hours = facts.get("cancel_hours")
    cancel_hours = 24 if hours is None else int(hours)
    deadline_utc = _instant(facts["starts_at"]) - timedelta(hours=cancel_hours)
    deadline = deadline_utc.astimezone(start.tzinfo)
    old = facts.get("old")
    old_when = None
    if old:
        old_start, old_end, old_zone = _span(old)
        old_when = when(old_start, old_end, old_zone)
    return {
        "status": facts.get("status"),
        "patient_name": facts.get("patient_name"),
        "doctor_name": facts.get("doctor_name"),
        "clinic_name": facts.get("clinic_name") or "doctorbook",
        "when": when(start, end, zone),
        "when_short": f"{start:%a} {start.day} {start:%b %H:%M} ({start.tzname()})",
        "location": location(facts.get("clinic_name"), facts.get("address"), facts.get("city")),
        "reason": facts.get("reason"),
        "appointment_id": facts.get("appointment_id"),
        "cancel_deadline": (
            f"{deadline:%a} {deadline.day} {deadline:%b %H:%M} ({deadline.tzname()})"
        ),
        "cancel_hours": cancel_hours,
        "cancel_reason": facts.get("cancel_reason"),
        "event": facts.get("event"),
        "lead": facts.get("lead"),
        "old_when": old_when,
        "attached": bool(facts.get("ics")),
        # Whether "you can cancel online until ..." is still true when the e-mail goes out.
        "cancel_open": at < deadline_utc,
    }


def calendars(
    facts: Mapping[str, Any], *, to_address: str, stamp: datetime
) -> list[tuple[str, str, bytes]]:
    """(filename, content type, data) of each .ics the e-mail carries: the visit's own
    (`ics`: REQUEST or CANCEL), and for a move the earlier time withdrawn (`old`)."""
    method = facts.get("ics")
    if not method:
        return []
    doctor = str(facts.get("doctor_name") or "")
    place = location(facts.get("clinic_name"), facts.get("address"), facts.get("city"))
    files: list[tuple[str, str, bytes]] = []
    visits: list[tuple[ics.Method, Mapping[str, Any]]] = [(ics.Method(method), facts)]
    old = facts.get("old")
    if old:
        visits.append((ics.Method.CANCEL, old))
    for kind, visit in visits:
        data = ics.calendar(
            method=kind, appointment_id=int(visit["appointment_id"]),
            sequence=int(visit.get("sequence") or 0),
            starts_at=_instant(visit["starts_at"]), ends_at=_instant(visit["ends_at"]),
            tentative=visit.get("status") == "pending", stamp=stamp,
            summary=f"Appointment with {doctor}", location=place, organizer_name=doctor,
            organizer_email=str(facts.get("doctor_email") or "noreply@doctorbook"),
            attendee_name=str(facts.get("patient_name") or ""), attendee_email=to_address,
        )
        name = "cancelled.ics" if kind == ics.Method.CANCEL else "appointment.ics"
        files.append((name, ics.content_type(kind), data))
    return files
