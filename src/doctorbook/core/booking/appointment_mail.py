"""The patient's e-mails about an appointment: confirmation, changes, cancellation, reminders.

All are queued in the caller's transaction. Times are written in the clinic's timezone with
its name; the doctor's private notes are never part of the context.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.mail import ics, outbox

ENTITY = "appointment"
KIND_UPDATE = "appointment_update"
KIND_REMINDER = "appointment_reminder"
#: Reminders before the start, and the name each carries.
REMINDERS = ((timedelta(hours=24), "24h"), (timedelta(hours=2), "2h"))


def when(start: datetime, end: datetime, zone: str) -> str:
    """'Tuesday 1 December 2026, 09:00 to 09:30 (Europe/Berlin, CET)'."""
    return (
        f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} to {end:%H:%M} "
        f"({zone}, {start.tzname()})"
    )


def _location(view: AppointmentView) -> str:
    parts = [p for p in (view.clinic_name, view.address, view.city) if p]
    return ", ".join(parts) or "the clinic"


def _context(view: AppointmentView, event: str, **extra: Any) -> dict[str, Any]:
    """What the templates get; pass `at` (the sending instant) to judge the cancel deadline."""
    return {
        **_facts(view),
        "event": event,
        "lead": None,
        "old_when": None,
        "attached": False,
        # Whether "you can cancel online until ..." is still true when the e-mail goes out.
        "cancel_open": (extra.pop("at", None) or view.starts_at) < view.cancel_deadline,
        **extra,
    }


@functools.lru_cache(maxsize=64)
def _facts(view: AppointmentView) -> dict[str, Any]:
    """The parts of the context that depend on the appointment only (shared by its e-mails)."""
    start, end = view.local_start, view.local_end
    deadline = view.cancel_deadline.astimezone(view.zone)
    return {
        "status": view.status,
        "patient_name": view.patient_name,
        "doctor_name": view.doctor_name,
        "clinic_name": view.clinic_name or "doctorbook",
        "when": when(start, end, view.timezone),
        "when_short": f"{start:%a} {start.day} {start:%b %H:%M} ({start.tzname()})",
        "location": _location(view),
        "reason": view.reason,
        "appointment_id": view.id,
        "cancel_deadline": (
            f"{deadline:%a} {deadline.day} {deadline:%b %H:%M} ({deadline.tzname()})"
        ),
        "cancel_hours": view.cancel_hours,
        "cancel_reason": view.cancel_reason,
    }


def _calendar(uow: UnitOfWork, view: AppointmentView, method: ics.Method) -> outbox.Attachment:
    body = ics.calendar(
        method=method, appointment_id=view.id, sequence=view.sequence,
        starts_at=view.starts_at, ends_at=view.ends_at, stamp=uow.now(),
        summary=f"Appointment with {view.doctor_name}", location=_location(view),
        organizer_name=view.doctor_name, organizer_email=view.doctor_email or "noreply@doctorbook",
        attendee_name=view.patient_name, attendee_email=view.patient_email or "",
        tentative=view.status == "pending",
    )
    name = "cancelled.ics" if method == ics.Method.CANCEL else "appointment.ics"
    return ics.attachment(method, body, filename=name)


def _mail(
    uow: UnitOfWork, view: AppointmentView, *, kind: str, context: dict[str, Any],
    attachments: tuple[outbox.Attachment, ...] = (), send_at: datetime | None = None,
) -> outbox.Mail:
    assert view.patient_email is not None
    return outbox.Mail(
        kind=kind, to=view.patient_email, to_name=view.patient_name, template="appointment",
        context={**context, "attached": bool(attachments)}, attachments=attachments,
        entity_kind=ENTITY, entity_id=view.id, send_at=send_at,
    )


def _reminders(uow: UnitOfWork, view: AppointmentView) -> list[outbox.Mail]:
    """The 24 h and 2 h reminders at their time; a time already past is skipped."""
    now, mails = uow.now(), []
    for before, lead in REMINDERS:
        at = view.starts_at - before
        if at > now:
            mails.append(_mail(uow, view, kind=KIND_REMINDER, send_at=at,
                               context=_context(view, "reminder", lead=lead, at=at)))
    return mails


def cancel_reminders(uow: UnitOfWork, appointment_id: int) -> int:
    return outbox.cancel_pending(
        uow, entity_kind=ENTITY, entity_id=appointment_id, kind=KIND_REMINDER
    )


def booked(uow: UnitOfWork, view: AppointmentView) -> None:
    """The confirmation (or request received) with its invitation, and both reminders."""
    confirmation = _mail(uow, view, kind=KIND_UPDATE,
                         context=_context(view, "booked", at=uow.now()),
                         attachments=(_calendar(uow, view, ics.Method.REQUEST),))
    outbox.enqueue_many(uow, [confirmation, *_reminders(uow, view)])


def describe(view: AppointmentView) -> str:
    """How people name a visit: "the visit on Wed 25 Nov 10:00 (Europe/Berlin) with Dr Alice
    General" — the time and the doctor, never an internal id."""
    start = view.local_start
    return (f"the visit on {start:%a} {start.day} {start:%b %H:%M} ({view.timezone}) "
            f"with {doctor_title(view.doctor_name)}")


def doctor_title(name: str) -> str:
    """'Dr Jana Novak' for 'Jana Novak', and for 'Dr Jana Novak' too (as the TUI names them)."""
    if name.split(" ", 1)[0].rstrip(".").casefold() == "dr":
        return name
    return f"Dr {name}"


def describe_slot(starts_at: datetime, timezone: str, doctor_name: str) -> str:
    """How people name a slot: "the 10:00 slot on Wed 25 Nov with Dr Alice General" (the
    clinic's time), never an internal id."""
    start = starts_at.astimezone(ZoneInfo(timezone))
    return (f"the {start:%H:%M} slot on {start:%a} {start.day} {start:%b} with "
            f"{doctor_title(doctor_name)}")


def confirmation_again(uow: UnitOfWork, view: AppointmentView) -> None:
    """The confirmation once more, as it stands now (no reminders: they are queued once)."""
    event = "confirmed" if view.status == "confirmed" else "booked"
    outbox.enqueue_many(uow, [_mail(
        uow, view, kind=KIND_UPDATE, context=_context(view, event, at=uow.now()),
        attachments=(_calendar(uow, view, ics.Method.REQUEST),))])


def confirmed(uow: UnitOfWork, view: AppointmentView) -> None:
    outbox.enqueue_many(uow, [_mail(
        uow, view, kind=KIND_UPDATE, context=_context(view, "confirmed", at=uow.now()),
        attachments=(_calendar(uow, view, ics.Method.REQUEST),))])


def cancelled(uow: UnitOfWork, view: AppointmentView) -> None:
    cancel_reminders(uow, view.id)
    outbox.enqueue_many(uow, [_mail(
        uow, view, kind=KIND_UPDATE, context=_context(view, "cancelled"),
        attachments=(_calendar(uow, view, ics.Method.CANCEL),))])


def rescheduled(uow: UnitOfWork, old: AppointmentView, new: AppointmentView) -> None:
    """One e-mail: the new time (REQUEST) and the old event withdrawn (CANCEL)."""
    cancel_reminders(uow, old.id)
    context = _context(new, "rescheduled", at=uow.now(),
                       old_when=when(old.local_start, old.local_end, old.timezone))
    moved = _mail(uow, new, kind=KIND_UPDATE, context=context,
                  attachments=(_calendar(uow, new, ics.Method.REQUEST),
                               _calendar(uow, old, ics.Method.CANCEL)))
    outbox.enqueue_many(uow, [moved, *_reminders(uow, new)])
