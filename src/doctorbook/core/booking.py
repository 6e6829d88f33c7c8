"""Booking a slot and rescheduling: one transaction each, the slot claimed by a conditional update.

Two people can race for one slot. The claim is `UPDATE ... SET status='booked' WHERE id=:slot
AND status='open'`: PostgreSQL row-locks the slot, so of concurrent claims exactly one matches
and every other finds the slot booked and gets a clean Conflict. A unique index (one live
appointment per slot) and an exclusion constraint (no overlapping live appointments per
patient) back this up in the database itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from doctorbook.core import appointment_mail, audit
from doctorbook.core.appointments import AppointmentView, check_can_see, load_view
from doctorbook.core.availability import HORIZON
from doctorbook.core.db import UnitOfWork
from doctorbook.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.lifecycle import (
    MAX_REASON,
    check_may_cancel,
    clean_text,
    lock,
    release,
)
from doctorbook.core.rbac import Actor, Permission, Role, require

if TYPE_CHECKING:
    from doctorbook.core.models import Appointment

RESCHEDULED = "rescheduled"


def slot_gone(slot_id: int) -> Conflict:
    return Conflict(f"slot {slot_id} is no longer available; pick another time")


@dataclass(frozen=True)
class _Slot:
    id: int
    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    doctor_name: str
    doctor_status: str
    doctor_active: bool
    lead_minutes: int
    auto_confirm: bool


def _load_slot(uow: UnitOfWork, slot_id: int) -> _Slot:
    from sqlalchemy import select

    from doctorbook.core.models import AvailabilitySlot, Doctor, User

    row = uow.session.execute(
        select(AvailabilitySlot, Doctor.status, Doctor.lead_minutes, Doctor.auto_confirm,
               User.name, User.is_active)
        .join(Doctor, Doctor.user_id == AvailabilitySlot.doctor_id)
        .join(User, User.id == Doctor.user_id)
        .where(AvailabilitySlot.id == slot_id)
    ).first()
    if row is None:
        raise NotFound(f"no slot {slot_id}")
    slot = row[0]
    return _Slot(id=slot.id, doctor_id=slot.doctor_id, starts_at=slot.starts_at,
                 ends_at=slot.ends_at, status=slot.status, doctor_name=row[4],
                 doctor_status=row[1], doctor_active=row[5], lead_minutes=row[2],
                 auto_confirm=row[3])


def _patient_for(
    uow: UnitOfWork, actor: Actor, patient_email: str | None, patient_id: int | None
) -> int:
    """Patients book for themselves; the desk names the patient."""
    from sqlalchemy import func, select

    from doctorbook.core.account_models import User

    require(actor, Permission.APPOINTMENTS_BOOK_SELF, Permission.APPOINTMENTS_BOOK_FOR_PATIENT)
    if not actor.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT):
        assert actor.user_id is not None
        if patient_id not in (None, actor.user_id) or (
            patient_email is not None and patient_email.strip().lower() != (actor.email or "")
        ):
            raise PermissionDenied("patients book only for themselves")
        return actor.user_id
    if patient_id is None and not patient_email:
        raise ValidationError("say which patient the booking is for (--patient EMAIL)")
    stmt = select(User.id, User.role, User.is_active)
    stmt = (stmt.where(User.id == patient_id) if patient_id is not None
            else stmt.where(func.lower(User.email) == (patient_email or "").strip().lower()))
    row = uow.session.execute(stmt).first()
    who = patient_email or f"user {patient_id}"
    if row is None:
        raise NotFound(f"no patient {who}")
    if row.role != str(Role.PATIENT):
        raise ValidationError(f"{who} is not a patient account")
    if not row.is_active:
        raise PolicyViolation(f"the account of {who} is disabled")
    return int(row.id)


def _check_bookable(
    uow: UnitOfWork, actor: Actor, slot: _Slot, override_policy: bool
) -> bool:
    """Refuse what policy forbids; returns whether the lead time was overridden."""
    if slot.doctor_status != "active" or not slot.doctor_active:
        raise PolicyViolation(f"{slot.doctor_name} is not taking bookings")
    if slot.status != "open":
        raise slot_gone(slot.id)
    now = uow.now()
    if slot.starts_at <= now:
        raise PolicyViolation(f"slot {slot.id} has already started")
    if slot.starts_at >= now + HORIZON:
        raise PolicyViolation(
            f"slot {slot.id} is beyond the {HORIZON.days}-day booking horizon"
        )
    lead = timedelta(minutes=slot.lead_minutes)
    if slot.starts_at >= now + lead:
        return False
    if not override_policy:
        hint = ("; staff can override with --override-policy"
                if actor.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT) else "")
        raise PolicyViolation(
            f"too short notice: {slot.doctor_name} takes bookings at least "
            f"{_duration(lead)} ahead{hint}"
        )
    return True


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _claim(uow: UnitOfWork, slot_id: int) -> None:
    from sqlalchemy import update

    from doctorbook.core.models import AvailabilitySlot

    claimed = uow.session.execute(
        update(AvailabilitySlot)
        .where(AvailabilitySlot.id == slot_id, AvailabilitySlot.status == "open")
        .values(status="booked", updated_at=uow.now())
        .returning(AvailabilitySlot.id)
    ).first()
    if claimed is None:
        raise slot_gone(slot_id)


#: Advisory-lock namespace for "one booking at a time per patient".
_PATIENT_LOCK_SPACE = 4201


def _lock_patient(uow: UnitOfWork, patient_id: int) -> None:
    """Serialise one patient's concurrent bookings until commit.

    Without it, two inserts racing on the patient-overlap exclusion constraint can deadlock
    (each waits for the other's tuple); with it the second sees the first's appointment and
    gets a clean Conflict.
    """
    from sqlalchemy import text

    uow.session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                        {"space": _PATIENT_LOCK_SPACE, "key": patient_id % 2_147_483_647})


def _check_patient_free(uow: UnitOfWork, patient_id: int, slot: _Slot, mine: bool) -> None:
    from sqlalchemy import select

    from doctorbook.core.models import Appointment

    clash = uow.session.scalar(
        select(Appointment.id).where(
            Appointment.patient_id == patient_id,
            Appointment.status != "cancelled",
            Appointment.starts_at < slot.ends_at,
            Appointment.ends_at > slot.starts_at,
        ).limit(1)
    )
    if clash is not None:
        who = "you already have" if mine else "the patient already has"
        raise Conflict(f"{who} an appointment at that time (appointment {clash})")


def _create(
    uow: UnitOfWork, *, actor: Actor, slot_id: int, patient_id: int, reason: str | None,
    override_policy: bool, rescheduled_from: Appointment | None = None,
) -> tuple[Appointment, _Slot, bool]:
    from sqlalchemy.exc import IntegrityError

    from doctorbook.core.models import Appointment

    if override_policy and not actor.can(Permission.APPOINTMENTS_BOOK_FOR_PATIENT):
        raise PermissionDenied("only clinic staff may override the booking policy")
    slot = _load_slot(uow, slot_id)
    overridden = _check_bookable(uow, actor, slot, override_policy)
    _lock_patient(uow, patient_id)
    _check_patient_free(uow, patient_id, slot, mine=actor.user_id == patient_id)
    _claim(uow, slot_id)
    now = uow.now()
    appointment = Appointment(
        patient_id=patient_id, doctor_id=slot.doctor_id, booked_by_id=actor.user_id,
        slot_id=slot_id, starts_at=slot.starts_at, ends_at=slot.ends_at,
        status="confirmed" if slot.auto_confirm else "pending", reason=reason,
        rescheduled_from_id=None if rescheduled_from is None else rescheduled_from.id,
        policy_override=overridden, sequence=0, late_cancel=False, created_at=now,
        updated_at=now,
    )
    uow.session.add(appointment)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        # The database's own invariants, reached only by a race the checks above lost.
        if "patient_no_overlap" in str(exc.orig):
            raise Conflict("the patient already has an appointment at that time") from None
        raise slot_gone(slot_id) from None
    if overridden:
        audit.record(uow, actor=actor, action="appointment.policy_overridden",
                     entity_kind="appointment", entity_id=appointment.id,
                     data={"rule": "lead_time", "lead_minutes": slot.lead_minutes,
                           "minutes_ahead": int((slot.starts_at - now).total_seconds() // 60)})
    return appointment, slot, overridden


def book(
    uow: UnitOfWork,
    *,
    actor: Actor,
    slot_id: int,
    patient_email: str | None = None,
    patient_id: int | None = None,
    reason: str | None = None,
    override_policy: bool = False,
) -> AppointmentView:
    """Book an open slot: claim it, create the appointment, queue e-mails, audit; one commit."""
    patient = _patient_for(uow, actor, patient_email, patient_id)
    text = clean_text(reason, "reason", MAX_REASON)
    appointment, _slot, overridden = _create(
        uow, actor=actor, slot_id=slot_id, patient_id=patient, reason=text,
        override_policy=override_policy,
    )
    audit.record(uow, actor=actor, action="appointment.booked", entity_kind="appointment",
                 entity_id=appointment.id,
                 data={"from": None, "to": appointment.status, "slot_id": slot_id,
                       "patient_id": patient, "on_behalf": patient != actor.user_id,
                       "policy_override": overridden})
    view = load_view(uow, appointment.id)
    appointment_mail.booked(uow, view)
    uow.commit()
    return view


def reschedule(
    uow: UnitOfWork,
    *,
    actor: Actor,
    appointment_id: int,
    new_slot_id: int,
    override_policy: bool = False,
) -> AppointmentView:
    """Move an appointment to another slot: the old one cancelled ("rescheduled") and linked."""
    old = lock(uow, appointment_id)
    # Who asks comes first: a stranger learns nothing about the appointment's state.
    check_can_see(actor, patient_id=old.patient_id, doctor_id=old.doctor_id)
    if old.status == "cancelled":
        raise PolicyViolation(f"appointment {appointment_id} is cancelled and can't be rescheduled")
    if old.status not in ("pending", "confirmed"):
        raise PolicyViolation(
            f"appointment {appointment_id} is {old.status.replace('_', ' ')} and can't be "
            "rescheduled"
        )
    if old.slot_id == new_slot_id:
        raise ValidationError("that is the appointment's current slot")
    late = check_may_cancel(uow, actor, old)
    if _load_slot(uow, new_slot_id).doctor_id != old.doctor_id:
        # Another doctor is a new booking and a cancellation, not a reschedule.
        raise ValidationError(
            f"slot {new_slot_id} is with another doctor; reschedule to one of the same doctor's"
            " slots"
        )
    before = old.status
    # Free the old time first: a new slot overlapping the old one must not clash with it.
    release(uow, old, actor=actor, reason=RESCHEDULED, late=late)
    new, _slot, overridden = _create(
        uow, actor=actor, slot_id=new_slot_id, patient_id=old.patient_id, reason=old.reason,
        override_policy=override_policy, rescheduled_from=old,
    )
    audit.record(uow, actor=actor, action="appointment.rescheduled", entity_kind="appointment",
                 entity_id=appointment_id,
                 data={"from": before, "to": "cancelled", "late": late,
                       "new_appointment_id": new.id, "new_slot_id": new_slot_id})
    audit.record(uow, actor=actor, action="appointment.booked", entity_kind="appointment",
                 entity_id=new.id,
                 data={"from": None, "to": new.status, "slot_id": new_slot_id,
                       "patient_id": old.patient_id, "rescheduled_from_id": appointment_id,
                       "policy_override": overridden})
    new_view = load_view(uow, new.id)
    cancelled_view = load_view(uow, appointment_id)
    appointment_mail.rescheduled(uow, cancelled_view, new_view)
    uow.commit()
    return new_view
