"""Resending a visit's confirmation: the desk or its doctor, for a visit still to come, once
more with its calendar invitation, audited; never for a cancelled or past visit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doctorbook.core.base import audit
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import NotFound, PermissionDenied, PolicyViolation
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.resend import resend_confirmation
from tests.booking.conftest import TOMORROW_10, Clinic, add_slot
from tests.booking.test_notifications import ics_of, mails


def test_the_desk_sends_the_confirmation_again_with_its_invitation_and_it_is_audited(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    before = [m for m in mails(uow, view.id) if m.kind == "appointment_update"]
    reminders = [m.id for m in mails(uow, view.id) if m.kind == "appointment_reminder"]
    resend_confirmation(uow, actor=clinic.desk, appointment_id=view.id)
    updates = [m for m in mails(uow, view.id) if m.kind == "appointment_update"]
    assert len(updates) == len(before) + 1
    again = updates[-1]
    assert again.to_address == clinic.alice.email and again.status == "pending"
    assert "METHOD:REQUEST" in ics_of(again)
    # No second pair of reminders.
    assert [m.id for m in mails(uow, view.id) if m.kind == "appointment_reminder"] == reminders
    [entry] = audit.list_entries(uow, actor=clinic.admin, entity_kind="appointment",
                                 entity_id=str(view.id), action="appointment.confirmation_resent")
    assert entry.actor_id == clinic.desk.user_id


def test_only_who_manages_the_visit_and_only_for_a_visit_to_come(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    for stranger in (clinic.other_doctor, clinic.bob):
        with pytest.raises(PermissionDenied):
            resend_confirmation(uow, actor=stranger, appointment_id=view.id)
    with pytest.raises(NotFound):
        resend_confirmation(uow, actor=clinic.desk, appointment_id=view.id + 1000)
    assert resend_confirmation(uow, actor=clinic.doctor, appointment_id=view.id).id == view.id
    clock.advance(timedelta(days=1, hours=1))
    with pytest.raises(PolicyViolation, match=r"the visit on \w{3} \d+ \w{3} 10:00 .* is over"):
        resend_confirmation(uow, actor=clinic.desk, appointment_id=view.id)
    other = booking.book(uow, actor=clinic.bob, slot_id=add_slot(
        uow, clinic.doctor.user_id, TOMORROW_10 + timedelta(days=2)))
    lifecycle.cancel(uow, actor=clinic.desk, appointment_id=other.id, reason="ill")
    with pytest.raises(PolicyViolation, match="is cancelled"):
        resend_confirmation(uow, actor=clinic.desk, appointment_id=other.id)


def test_no_resend_to_a_patient_without_an_email(uow: UnitOfWork, clinic: Clinic) -> None:
    from sqlalchemy import text

    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    uow.session.execute(text("UPDATE users SET email = NULL, phone = '+49 30 1234' "
                             "WHERE id = :id"), {"id": clinic.alice.user_id})
    before = len(mails(uow, view.id))
    with pytest.raises(PolicyViolation, match="Alice Patient has no e-mail address"):
        resend_confirmation(uow, actor=clinic.desk, appointment_id=view.id)
    assert len(mails(uow, view.id)) == before
