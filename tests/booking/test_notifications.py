"""Booking e-mails: confirmation with .ics, cancellation, moves, and the dispatcher's derived
reminders with their re-check (tests/booking/test_derived_reminders.py has the timing)."""

from __future__ import annotations

import email
from collections.abc import Callable
from datetime import timedelta
from email import policy

from sqlalchemy import select, update

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.models import Appointment, EmailOutbox
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.mail import outbox
from doctorbook.core.mail.dispatcher import Dispatcher
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot
from tests.conftest import make_user
from tests.mail.conftest import dispatcher_for, settings_for
from tests.search.conftest import make_visible_doctor

__all__ = ["dispatcher_for", "settings_for"]


def mails(uow: UnitOfWork, appointment_id: int) -> list[EmailOutbox]:
    return list(uow.session.scalars(
        select(EmailOutbox).where(EmailOutbox.entity_kind == "appointment",
                                  EmailOutbox.entity_id == str(appointment_id))
        .order_by(EmailOutbox.id)))


def sent_as(row: EmailOutbox) -> outbox.Composed:
    """The e-mail as the dispatcher renders it from the row's facts at its next attempt."""
    assert row.template is not None and row.facts is not None
    return outbox.compose(row.template, row.facts, to_address=row.to_address,
                          at=row.next_attempt_at)


def ics_of(row: EmailOutbox, index: int = 0) -> str:
    return sent_as(row).attachments[index].data.decode()


def test_booking_queues_one_confirmation_with_an_invite_and_no_reminder_rows(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    [confirmation] = mails(uow, view.id)

    assert confirmation.kind == "appointment_update" and confirmation.status == "pending"
    assert confirmation.to_address == "alice@example.com"
    assert confirmation.next_attempt_at == uow.now()
    # Clinic time with the zone's name: 09:00 UTC is 10:00 in Berlin.
    assert confirmation.subject == (
        "Appointment confirmed: Dr Gregory House, Fri 27 Nov 10:00 (CET)")
    assert "Friday 27 November 2026, 10:00 to 10:30 (Europe/Berlin, CET)" in (
        confirmation.text_body)
    assert "Berlin Clinic, Hauptstr. 1, Berlin" in confirmation.text_body
    [attachment] = sent_as(confirmation).attachments
    assert attachment.content_type.startswith("text/calendar; method=REQUEST")
    invite = ics_of(confirmation)
    assert "METHOD:REQUEST\r\n" in invite
    assert f"UID:appointment-{view.id}@doctorbook\r\n" in invite
    assert "SEQUENCE:0\r\n" in invite
    assert "DTSTART:20261127T090000Z\r\n" in invite and "DTEND:20261127T093000Z\r\n" in invite
    assert "STATUS:CONFIRMED" in invite and "mailto:alice@example.com" in invite


def test_cancelling_withdraws_the_event(uow: UnitOfWork, clinic: Clinic) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=view.id, reason="on call")
    rows = mails(uow, view.id)
    assert [(m.kind, m.status) for m in rows] == [
        ("appointment_update", "pending"),
        ("appointment_update", "pending"),
    ]
    cancellation = rows[-1]
    assert cancellation.subject.startswith("Appointment cancelled:")
    assert "reason: on call" in cancellation.text_body
    withdrawn = ics_of(cancellation)
    assert "METHOD:CANCEL\r\n" in withdrawn and "STATUS:CANCELLED" in withdrawn
    assert f"UID:appointment-{view.id}@doctorbook" in withdrawn
    assert "SEQUENCE:1\r\n" in withdrawn  # later than the invite, so calendars apply it


def test_reschedule_sends_one_mail_with_the_new_event_and_the_old_withdrawn(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, TOMORROW_10))
    new = booking.reschedule(uow, actor=clinic.alice, appointment_id=view.id,
                             new_slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    [moved] = mails(uow, new.id)
    assert moved.subject.startswith("Appointment moved:")
    assert "Wednesday 25 November 2026, 10:00 to 10:30" in moved.text_body  # the old time
    assert [a.filename for a in sent_as(moved).attachments] == [
        "appointment.ics", "cancelled.ics"]
    assert f"UID:appointment-{new.id}@" in ics_of(moved, 0)
    assert f"UID:appointment-{view.id}@" in ics_of(moved, 1) and "METHOD:CANCEL" in ics_of(moved, 1)
    assert "SEQUENCE:1\r\n" in ics_of(moved, 1)  # the old event's cancel outranks its invite


def test_confirming_a_pending_booking_sends_the_confirmation(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    from doctorbook.core.doctors import doctors

    doctors.update_profile(uow, actor=clinic.doctor, auto_confirm=False)
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    requested = mails(uow, view.id)[0]
    assert requested.subject.startswith("Appointment requested:")
    assert "STATUS:TENTATIVE" in ics_of(requested)
    lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id, action="confirm")
    confirmed = mails(uow, view.id)[-1]
    assert confirmed.subject.startswith("Appointment confirmed:")
    assert "SEQUENCE:1\r\n" in ics_of(confirmed) and "STATUS:CONFIRMED" in ics_of(confirmed)


def test_private_notes_never_reach_an_email(uow: UnitOfWork, clinic: Clinic) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=view.id, text="PRIVATE-XYZ")
    lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=view.id, reason="moved away")
    for m in mails(uow, view.id):
        assert "PRIVATE-XYZ" not in m.text_body + (m.html_body or "") + str(m.facts)
        assert all(b"PRIVATE-XYZ" not in a.data for a in sent_as(m).attachments)


def test_the_dispatcher_sends_due_reminders_but_rechecks_the_appointment_first(
    db: Database, clock: FixedClock, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher],
) -> None:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        alice = make_user(uow, email="alice@example.com", name="Alice")
        bob = make_user(uow, email="bob@example.com", name="Bob")
        kept = booking.book(uow, actor=alice, slot_id=add_slot(uow, doctor.user_id, IN_3_DAYS_10))
        gone = booking.book(uow, actor=bob, slot_id=add_slot(
            uow, doctor.user_id, IN_3_DAYS_10 + timedelta(minutes=30)))
        uow.commit()
    settings = settings_for()
    dispatcher = dispatcher_for(settings)
    assert dispatcher.run_once().sent == 3  # the invite and both confirmations, now
    clock.advance(IN_3_DAYS_10 - timedelta(hours=24) - clock.now())
    clock.advance(timedelta(minutes=30))
    dispatcher.queue_reminders()  # both visits' 24 h reminders are queued...
    with db.unit_of_work() as uow:
        # ...then a change that bypassed the use case (say, a race with the queueing): the
        # claim re-checks the visit, so bob's reminder is not sent.
        uow.session.execute(update(Appointment).where(Appointment.id == gone.id)
                            .values(status="cancelled"))
        uow.commit()
    assert dispatcher.run_once().sent == 1  # alice's 24 h reminder only

    with db.unit_of_work() as uow:
        by_kind = {(m.entity_id, m.kind, m.status) for m in uow.session.scalars(
            select(EmailOutbox).where(EmailOutbox.kind == "appointment_reminder",
                                      EmailOutbox.next_attempt_at <= clock.now()))}
        skipped = uow.session.scalars(select(EmailOutbox.last_error).where(
            EmailOutbox.entity_id == str(gone.id), EmailOutbox.status == "cancelled")).first()
    assert (str(kept.id), "appointment_reminder", "sent") in by_kind
    assert (str(gone.id), "appointment_reminder", "cancelled") in by_kind
    assert skipped is not None and f"appointment {gone.id} is cancelled" in skipped

    parsed = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
              for p in sorted(settings.mail_dir.iterdir())]
    confirmation = next(m for m in parsed if str(m["To"]) == "Alice <alice@example.com>")
    calendar = next(p for p in confirmation.iter_attachments()
                    if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "appointment.ics"
    assert "BEGIN:VEVENT" in calendar.get_content()
