"""An appointment's life after booking: confirm, check in, complete, no-show, cancel, notes.

Each use case locks the appointment row, checks who may act and whether the transition is
allowed, changes it, and writes the audit entry (and any e-mail) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from doctorbook.core.base import audit, events, live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import NotFound, PermissionDenied, PolicyViolation, ValidationError
from doctorbook.core.base.models import Appointment, AppointmentNote, AvailabilitySlot, Doctor
from doctorbook.core.base.rbac import NOT_YOURS, Actor, Permission, require
from doctorbook.core.base.text import clean_text
from doctorbook.core.booking import appointment_mail
from doctorbook.core.booking.appointments import ACTIVE_STATUSES, AppointmentView, load_view

MAX_REASON = 500
#: How early before the start a patient can be checked in (they are at the desk, not days off).
CHECK_IN_OPENS = timedelta(hours=12)
MAX_NOTE = 10_000
#: Confirm, check in, complete, no-show and cancel for the clinic: own (the doctor) or any.
MANAGE = (Permission.APPOINTMENTS_MANAGE_OWN, Permission.APPOINTMENTS_MANAGE_ANY)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    #: How the refusal reads when the appointment is in another status.
    needs: str


TRANSITIONS = {
    "confirm": Transition("confirm", ("pending",), "confirmed", "only a pending appointment"),
    "check_in": Transition("check_in", ("confirmed",), "checked_in",
                           "only a confirmed appointment"),
    "complete": Transition("complete", ("checked_in",), "completed",
                           "only a checked-in appointment"),
    # A patient who arrived (checked in) is not a no-show.
    "no_show": Transition("no_show", ("pending", "confirmed"), "no_show",
                          "only a pending or confirmed appointment"),
}


def lock(uow: UnitOfWork, appointment_id: int) -> Appointment:
    row = uow.session.scalars(
        select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no appointment {appointment_id}")
    return row


def record_change(uow: UnitOfWork, appointment_id: int, doctor_id: int, *, slot: bool) -> None:
    """Screens showing the appointment or its doctor's day (and, when a slot was taken or
    freed, the doctor's open slots) hear of it once this unit of work commits; so does the
    outbox, as every change of a visit e-mails the patient (the booking's own statement
    queues its e-mails without `outbox.enqueue`)."""
    uow.changed(live.APPOINTMENTS, appointment_id)
    uow.changed(live.OUTBOX)
    uow.changed(live.DOCTORS, doctor_id)
    if slot:
        uow.changed(live.SLOTS, doctor_id)


def check_may_manage(actor: Actor, appointment: Appointment) -> None:
    """Doctors manage their own appointments (…_OWN); receptionists and admins every one."""
    require(actor, *MANAGE)
    actor.require_own_or_any(own=Permission.APPOINTMENTS_MANAGE_OWN,
                             any=Permission.APPOINTMENTS_MANAGE_ANY,
                             owner_id=appointment.doctor_id)


def _named(uow: UnitOfWork, appointment_id: int) -> str:
    """The visit as refusals name it: its time and doctor (people never see its id)."""
    return appointment_mail.describe(load_view(uow, appointment_id))


def _status_word(status: str) -> str:
    return status.replace("_", " ")


def change_status(
    uow: UnitOfWork, *, actor: Actor, appointment_id: int, action: str
) -> AppointmentView:
    """confirm | check_in | complete | no_show, by the doctor or the desk."""
    transition = TRANSITIONS[action]
    appointment = lock(uow, appointment_id)
    check_may_manage(actor, appointment)
    verb = action.replace("_", "-")
    if appointment.status not in transition.sources:
        raise PolicyViolation(
            f"can't {verb} {_named(uow, appointment_id)}: it is "
            f"{_status_word(appointment.status)}; {transition.needs} can be"
            f" {_status_word(transition.target)}"
        )
    now = uow.now()
    if action == "no_show" and now < appointment.starts_at:
        raise PolicyViolation("a no-show can only be recorded once the start time has passed")
    if action == "check_in" and appointment.starts_at - now > CHECK_IN_OPENS:
        raise PolicyViolation(
            f"check-in opens {CHECK_IN_OPENS.seconds // 3600} h before the visit"
        )
    before = appointment.status
    appointment.status = transition.target
    appointment.updated_at = now
    if action == "confirm":
        appointment.sequence += 1
    uow.session.flush()
    record_change(uow, appointment_id, appointment.doctor_id, slot=False)
    audit.record(uow, actor=actor, action=f"appointment.{transition.target}",
                 entity_kind="appointment", entity_id=appointment_id,
                 data={"from": before, "to": transition.target})
    view = load_view(uow, appointment_id)
    if action == "confirm":
        appointment_mail.confirmed(uow, view)
    elif action in ("complete", "no_show"):
        # No reminder to withdraw: the dispatcher derives them for pending or confirmed visits.
        events.record(uow, "visit_completed" if action == "complete" else "visit_no_show",
                      doctor_id=appointment.doctor_id, appointment_id=appointment_id)
    uow.commit()
    return view


def release(
    uow: UnitOfWork, appointment: Appointment, *, actor: Actor, reason: str, late: bool
) -> None:
    """Cancel in place and open the slot again at once (no commit, no e-mail)."""
    now = uow.now()
    appointment.status = "cancelled"
    appointment.cancel_reason = reason
    appointment.cancelled_at = now
    appointment.cancelled_by_id = actor.user_id
    appointment.late_cancel = late
    appointment.sequence += 1
    appointment.updated_at = now
    uow.session.flush()
    if appointment.slot_id is not None:
        uow.session.execute(
            update(AvailabilitySlot)
            .where(AvailabilitySlot.id == appointment.slot_id,
                   AvailabilitySlot.status == "booked")
            .values(status="open")
        )
    record_change(uow, appointment.id, appointment.doctor_id, slot=appointment.slot_id is not None)


def check_may_cancel(uow: UnitOfWork, actor: Actor, appointment: Appointment) -> bool:
    """Who may cancel now; returns whether it is a late cancel (inside the window)."""
    require(actor, Permission.APPOINTMENTS_CANCEL_OWN, *MANAGE)
    if appointment.status not in ACTIVE_STATUSES:
        raise PolicyViolation(
            f"{_named(uow, appointment.id)} is already {_status_word(appointment.status)}"
        )
    hours = uow.session.scalar(
        select(Doctor.cancel_hours).where(Doctor.user_id == appointment.doctor_id)
    )
    deadline = appointment.starts_at - timedelta(hours=24 if hours is None else hours)
    late = uow.now() > deadline
    if actor.can_either(*MANAGE):
        check_may_manage(actor, appointment)
        return late
    if not actor.owns(Permission.APPOINTMENTS_CANCEL_OWN, appointment.patient_id):
        raise PermissionDenied(NOT_YOURS)
    if appointment.status == "checked_in":
        raise PolicyViolation(
            f"{_named(uow, appointment.id)} is checked in; please ask at the desk"
        )
    if late:
        view = load_view(uow, appointment.id)
        refusal = view.patient_cancel_refusal(uow.now())
        raise PolicyViolation(f"too late to cancel {appointment_mail.describe(view)}: {refusal}")
    return late


def cancel(
    uow: UnitOfWork, *, actor: Actor, appointment_id: int, reason: str | None = None
) -> AppointmentView:
    """A patient until the cancellation window; the doctor or desk any time, with a reason."""
    appointment = lock(uow, appointment_id)
    late = check_may_cancel(uow, actor, appointment)
    text = clean_text(reason, label="reason", limit=MAX_REASON)
    # Whoever manages appointments cancels for the clinic: any time, with a reason.
    staff = actor.can_either(*MANAGE)
    if staff and not text:
        raise ValidationError("give a reason when cancelling for the clinic")
    before = appointment.status
    release(uow, appointment, actor=actor, reason=text or "cancelled by the patient", late=late)
    audit.record(uow, actor=actor, action="appointment.cancelled", entity_kind="appointment",
                 entity_id=appointment_id,
                 data={"from": before, "to": "cancelled", "late": late,
                       "by": "staff" if staff else "patient"})
    events.record(uow, "appointment_cancelled", doctor_id=appointment.doctor_id,
                  appointment_id=appointment_id, data={"late": late})
    view = load_view(uow, appointment_id)
    appointment_mail.cancelled(uow, view)
    uow.commit()
    return view


def add_note(uow: UnitOfWork, *, actor: Actor, appointment_id: int, text: str) -> int:
    """The doctor's private note on their own appointment; returns the note id."""
    require(actor, Permission.APPOINTMENTS_NOTES_OWN)
    body = clean_text(text, label="the note", limit=MAX_NOTE, multiline=True)
    if not body:
        raise ValidationError("the note is empty")
    appointment = lock(uow, appointment_id)
    if not actor.owns(Permission.APPOINTMENTS_NOTES_OWN, appointment.doctor_id):
        raise PermissionDenied("access denied: only the appointment's doctor writes its notes")
    note = AppointmentNote(appointment_id=appointment_id, author_id=actor.user_id, body=body,
                           created_at=uow.now())
    uow.session.add(note)
    uow.session.flush()
    uow.changed(live.APPOINTMENTS, appointment_id)  # its detail shows the notes
    # The text itself stays out of the audit log: it is private to the doctor.
    audit.record(uow, actor=actor, action="appointment.note_added", entity_kind="appointment",
                 entity_id=appointment_id, data={"note_id": note.id, "length": len(body)})
    uow.commit()
    return note.id
