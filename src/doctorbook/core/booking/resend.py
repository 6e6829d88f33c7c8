"""Sending a visit's confirmation again (the patient lost it, or it went to a typo)."""

from __future__ import annotations

from doctorbook.core.base import audit
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import PolicyViolation
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import appointment_mail
from doctorbook.core.booking.appointments import AppointmentView, load_view
from doctorbook.core.booking.lifecycle import check_may_manage, lock

#: A confirmation is worth sending again only for a visit still to come.
RESENDABLE = ("pending", "confirmed")


def resend_confirmation(
    uow: UnitOfWork, *, actor: Actor, appointment_id: int
) -> AppointmentView:
    """Queue the visit's confirmation (with its calendar invitation) once more; audited.

    Who may manage the visit may do it (its doctor, the desk). Only for a visit still to
    come and not cancelled: anything else would tell the patient about a visit that isn't;
    and only to a patient with an e-mail address."""
    appointment = lock(uow, appointment_id)
    check_may_manage(actor, appointment)
    view = load_view(uow, appointment_id)
    if view.status not in RESENDABLE or view.starts_at <= uow.now():
        raise PolicyViolation(
            f"no confirmation to send again: {appointment_mail.describe(view)} is "
            f"{'over' if view.starts_at <= uow.now() else view.status.replace('_', ' ')}"
        )
    if view.patient_email is None:
        # A walk-in known by phone: nothing would be sent, so say so rather than "queued".
        raise PolicyViolation(
            f"no confirmation to send again: {view.patient_name} has no e-mail address"
        )
    appointment_mail.confirmation_again(uow, view)
    audit.record(uow, actor=actor, action="appointment.confirmation_resent",
                 entity_kind="appointment", entity_id=appointment_id, data={})
    uow.commit()
    return view
