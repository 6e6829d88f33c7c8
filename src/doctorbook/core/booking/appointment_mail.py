"""The patient's e-mails about an appointment: confirmation, changes, cancellation.

All are queued in the caller's transaction as facts (core.mail.visits renders them when they
are sent, times in the clinic's timezone with its name); the doctor's private notes are never
among them. Reminders are not queued here: the dispatcher derives them when they are due.
A patient without an e-mail address gets no e-mail (and nothing is queued).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Text, func, literal

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.mail import ics, outbox, visits

ENTITY = "appointment"
KIND_UPDATE = "appointment_update"
#: The dispatcher's derived reminders carry this kind.
KIND_REMINDER = "appointment_reminder"


def _visit(view: AppointmentView) -> dict[str, Any]:
    """What identifies the visit's time and calendar event."""
    return {"appointment_id": view.id, "sequence": view.sequence, "status": view.status,
            "starts_at": view.starts_at.isoformat(), "ends_at": view.ends_at.isoformat(),
            "tz": view.timezone}


def _facts(view: AppointmentView, event: str, method: ics.Method | None,
           **extra: Any) -> dict[str, Any]:
    """The row's facts (the same keys the dispatcher's reminder derivation writes); empty
    values are left out, the row stays small."""
    facts = {
        "event": event, **_visit(view),
        "patient_name": view.patient_name, "doctor_name": view.doctor_name,
        "doctor_email": view.doctor_email, "clinic_name": view.clinic_name,
        "address": view.address, "city": view.city, "reason": view.reason,
        "cancel_hours": view.cancel_hours, "cancel_reason": view.cancel_reason,
        "ics": None if method is None else str(method), **extra,
    }
    return {key: value for key, value in facts.items() if value is not None}


#: The facts of a visit, as `_facts` writes them (and `facts_sql`, in SQL).
VISIT_FACTS = ("appointment_id", "sequence", "status", "starts_at", "ends_at", "tz",
               "patient_name", "doctor_name", "doctor_email", "clinic_name", "address", "city",
               "reason", "cancel_hours", "cancel_reason")


def facts_sql(event: str, method: ics.Method | None,
              visit: ColumnElement[Any]) -> ColumnElement[Any]:
    """`_facts` in SQL, for a statement that queues the e-mail itself (the booking's): `visit`
    is a JSONB object of VISIT_FACTS keys; empty values are left out, as `_facts` does."""
    pairs: list[Any] = [literal("event", Text), literal(event, Text)]
    if method is not None:
        pairs += [literal("ics", Text), literal(str(method), Text)]
    return func.jsonb_strip_nulls(visit.op("||")(func.jsonb_build_object(*pairs)))


def _queue(uow: UnitOfWork, view: AppointmentView, facts: dict[str, Any]) -> None:
    if view.patient_email is None:
        return  # a walk-in known by phone: nobody to e-mail
    outbox.enqueue_many(uow, [outbox.Mail(
        kind=KIND_UPDATE, to=view.patient_email, to_name=view.patient_name,
        template=visits.TEMPLATE, context=facts, entity_kind=ENTITY, entity_id=view.id,
    )])


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
    """The confirmation once more, as it stands now (reminders are the dispatcher's)."""
    event = "confirmed" if view.status == "confirmed" else "booked"
    _queue(uow, view, _facts(view, event, ics.Method.REQUEST))


def confirmed(uow: UnitOfWork, view: AppointmentView) -> None:
    _queue(uow, view, _facts(view, "confirmed", ics.Method.REQUEST))


def cancelled(uow: UnitOfWork, view: AppointmentView) -> None:
    _queue(uow, view, _facts(view, "cancelled", ics.Method.CANCEL))


def rescheduled(uow: UnitOfWork, old: AppointmentView, new: AppointmentView) -> None:
    """One e-mail: the new time (REQUEST) and the old event withdrawn (CANCEL)."""
    _queue(uow, new, _facts(new, "rescheduled", ics.Method.REQUEST, old=_visit(old)))
