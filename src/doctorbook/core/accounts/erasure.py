"""Erasing a patient: who they were goes, what happened stays (visits, ratings, metrics, audit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, text, update

from doctorbook.core.accounts import accounts, auth
from doctorbook.core.base import audit, live
from doctorbook.core.base.account_models import (
    AccountToken,
    AuditEntry,
    AuthSession,
    LoginThrottle,
)
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import PolicyViolation, ValidationError
from doctorbook.core.base.models import Appointment, AppointmentNote, EmailOutbox, Review
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.base.text import clean_text

ERASED_NAME = "Erased patient"
REDACTED = "[erased]"


@dataclass(frozen=True)
class ErasureReport:
    user_id: int
    appointments: int
    reviews: int
    emails: int
    sessions: int


def erased_email(user_id: int) -> str:
    # .invalid is reserved (RFC 2606): no mail can ever go there.
    return f"erased-{user_id}@erased.invalid"


def erase_patient(uow: UnitOfWork, *, actor: Actor, patient_id: int, reason: str) -> ErasureReport:
    """Anonymise a patient at their request (admin): name, e-mail, phone, date of birth,
    booking and cancellation reasons, review comments, e-mails sent to them, sessions and
    codes are removed or replaced, and what they typed is cut out of doctors' notes and the
    audit log. Their visits, ratings, NPS scores and events stay, under the same id, so counts,
    averages and metrics don't change. The audit entry names the id, never the values."""
    require(actor, Permission.USERS_DISABLE)
    why = clean_text(reason, label="reason", limit=500)
    if not why:
        raise ValidationError("say why: the audit log keeps the reason")
    user = accounts.locked_patient(uow, patient_id)
    if user.erased_at is not None:
        raise PolicyViolation(f"patient {patient_id} was already erased")
    secrets = [v for v in (user.email, user.name, user.phone) if v and len(v) >= 3]
    now = uow.now()

    visited = uow.session.execute(
        select(Appointment.id, Appointment.doctor_id).where(Appointment.patient_id == user.id)
    ).all()
    appointment_ids = [row.id for row in visited]
    if visited:  # their name leaves the day views and dashboards showing these
        uow.changed(live.APPOINTMENTS, *appointment_ids)
        uow.changed(live.DOCTORS, *{row.doctor_id for row in visited})
    visits = len(appointment_ids)
    if appointment_ids:
        uow.session.execute(update(Appointment).where(Appointment.id.in_(appointment_ids))
                            .values(reason=None, cancel_reason=None))
        # Doctors' notes are the clinic's record of the visit: kept, but without the person.
        for note in uow.session.scalars(select(AppointmentNote).where(
                AppointmentNote.appointment_id.in_(appointment_ids))):
            note.body = _redact(note.body, secrets) or REDACTED
    reviews = len(uow.session.execute(
        update(Review).where(Review.patient_id == user.id).values(comment=None)
        .returning(Review.id)).all())
    # E-mails to them: nothing of the message stays, and nothing still queued goes out. A
    # walk-in without an e-mail was never written to (and `== None` would match nothing).
    emails = 0 if user.email is None else len(uow.session.execute(
        update(EmailOutbox).where(EmailOutbox.to_address == user.email)
        # The facts a message is rendered from hold their name and visits too: gone, and the
        # row keeps only the placeholder words (the outbox shows stored words without facts).
        .values(to_address=erased_email(user.id), to_name=None, template=None, facts=None,
                stored_subject=REDACTED, stored_text=REDACTED, stored_html=None,
                attachments=[], last_error=None)
        .returning(EmailOutbox.id)).all())
    if emails:
        uow.changed(live.OUTBOX)
    uow.session.execute(
        update(EmailOutbox).where(EmailOutbox.to_address == erased_email(user.id),
                                  EmailOutbox.status.in_(["pending", "failed"]))
        .values(status="cancelled"))
    sessions = len(uow.session.execute(
        delete(AuthSession).where(AuthSession.user_id == user.id)
        .returning(AuthSession.id)).all())
    uow.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    if user.email is not None:
        _forget_throttles(uow, user.email)
    # Audit entries about them keep their ids, actions and times; any value of theirs goes
    # (failed logins name the e-mail typed). The trigger lets only `data` change, and only
    # in a transaction that says it is erasing.
    uow.session.execute(text("SELECT set_config('doctorbook.erasure', 'on', true)"))
    about = [str(user.id), *(str(i) for i in appointment_ids)]
    concerning = [AuditEntry.actor_id == user.id, AuditEntry.entity_id.in_(about)]
    if user.email is not None:
        # Not for NULL: `->> 'email' = NULL` is no match, but IS NULL would be every entry.
        concerning.append(AuditEntry.data["email"].astext == user.email)
    for entry in uow.session.scalars(select(AuditEntry).where(or_(*concerning))):
        redacted = _redact_json(entry.data, secrets)
        if redacted != entry.data:
            entry.data = redacted
    uow.session.flush()
    uow.session.execute(text("SELECT set_config('doctorbook.erasure', 'off', true)"))

    user.name = ERASED_NAME
    user.email = erased_email(user.id)
    user.phone = None
    user.date_of_birth = None
    user.password_hash = None
    user.is_active = False
    user.disabled_reason = "erased"
    user.erased_at = now
    user.updated_at = now
    audit.record(uow, actor=actor, action="patient.erased", entity_kind="user",
                 entity_id=user.id, data={"reason": why, "appointments": visits,
                                          "reviews": reviews, "emails": emails})
    report = ErasureReport(user.id, visits, reviews, emails, sessions)
    uow.commit()
    return report


def _forget_throttles(uow: UnitOfWork, email: str) -> None:
    uow.session.execute(delete(LoginThrottle).where(
        LoginThrottle.email_key == auth._email_key(email)))


def _redact(text: str | None, secrets: list[str]) -> str | None:
    """Every occurrence of each value, in any case, longest first, replaced by REDACTED."""
    if text is None:
        return None
    for secret in sorted(secrets, key=len, reverse=True):
        text = re.sub(re.escape(secret), REDACTED, text, flags=re.IGNORECASE)
    return text


def _redact_json(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return _redact(value, secrets)
    if isinstance(value, list):
        return [_redact_json(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v, secrets) for k, v in value.items()}
    return value
