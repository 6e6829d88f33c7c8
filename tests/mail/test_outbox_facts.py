"""Outbox rows hold facts and the dispatcher renders them: one small row per booking, the same
e-mail as before, hostile text kept harmless, secrets blanked, old rows still sendable."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from email import policy
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select, text

from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.errors import PolicyViolation
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import appointment_mail, booking
from doctorbook.core.mail import admin, ics
from doctorbook.core.mail.dispatcher import Dispatcher
from doctorbook.core.mail.message import BODY_REMOVED_FAILED, BODY_REMOVED_SENT
from tests.booking.conftest import IN_3_DAYS_10, Clinic, add_slot, clinic
from tests.conftest import make_user
from tests.mail.conftest import queue, row
from tests.mail.test_file_provider import INVITE
from tests.search.conftest import make_visible_doctor

__all__ = ["clinic"]


def _row_size(uow: UnitOfWork, outbox_id: int) -> int:
    return int(uow.session.scalar(
        text("SELECT pg_column_size(o.*) FROM email_outbox AS o WHERE o.id = :id"),
        {"id": outbox_id}))


# A booking used to write three rows of about 3 KB each (rendered text, HTML and .ics).
@pytest.mark.parametrize(("reason", "most"), [
    ("Chest pain after running", 700),
    ("x" * 500, 1280),  # the longest reason a booking takes: the reason is the only big fact
])
def test_a_booking_writes_one_small_row(
    uow: UnitOfWork, clinic: Clinic, reason: str, most: int
) -> None:
    before = uow.session.scalar(text("SELECT count(*) FROM email_outbox"))
    view = booking.book(uow, actor=clinic.alice, reason=reason,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    assert uow.session.scalar(text("SELECT count(*) FROM email_outbox")) == before + 1
    [confirmation] = uow.session.scalars(select(EmailOutbox).where(
        EmailOutbox.entity_kind == "appointment", EmailOutbox.entity_id == str(view.id)))
    assert _row_size(uow, confirmation.id) < most
    assert confirmation.template == "appointment" and confirmation.text_body is not None
    # The admin's outbox shows the subject, rendered from the facts.
    [listed] = [m for m in admin.list_messages(uow, actor=clinic.admin)
                if m.id == confirmation.id]
    assert listed.subject == "Appointment confirmed: Dr Gregory House, Fri 27 Nov 10:00 (CET)"
    assert (listed.kind, listed.to, listed.status) == (
        "appointment_update", "alice@example.com", "pending")


@pytest.mark.parametrize("reason", [None, "Chest pain [b]after[/b] running"])
def test_the_booking_statement_queues_the_facts_appointment_mail_would(
    uow: UnitOfWork, clinic: Clinic, reason: str | None
) -> None:
    """The booking's own statement writes its confirmation (SQL); every other e-mail about a
    visit is queued from Python (`appointment_mail._facts`): the same keys and values, empty
    ones left out, so the dispatcher renders both alike."""
    view = booking.book(uow, actor=clinic.alice, reason=reason,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    [row] = uow.session.scalars(select(EmailOutbox).where(
        EmailOutbox.entity_kind == "appointment", EmailOutbox.entity_id == str(view.id)))
    expected = appointment_mail._facts(view, "booked", ics.Method.REQUEST)
    assert row.facts is not None and set(row.facts) == set(expected)
    for instant in ("starts_at", "ends_at"):  # the same instant, whichever offset it is in
        assert (datetime.fromisoformat(row.facts.pop(instant))
                == datetime.fromisoformat(expected.pop(instant)))
    assert row.facts == expected
    assert (row.kind, row.to_address, row.to_name, row.status, row.attempts) == (
        appointment_mail.KIND_UPDATE, "alice@example.com", view.patient_name, "pending", 0)
    assert row.attachments == [] and row.contains_secret is False
    assert row.next_attempt_at == row.created_at == uow.now()
    assert re.fullmatch(r"[0-9a-f]{32}", row.idempotency_key)


def test_a_reschedule_queues_its_own_words_not_a_second_confirmation(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = booking.book(uow, actor=clinic.alice,
                        slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    moved = booking.reschedule(
        uow, actor=clinic.alice, appointment_id=view.id,
        new_slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10 + timedelta(hours=1)))
    events = [r.facts["event"] for r in uow.session.scalars(
        select(EmailOutbox).where(EmailOutbox.entity_kind == "appointment",
                                  EmailOutbox.entity_id == str(moved.id)))
        if r.facts is not None]
    assert events == ["rescheduled"]


def _sent(settings: Settings) -> list[Any]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(settings.mail_dir.iterdir())]


HOSTILE_NAME = 'Dr "Evil"; Eve, [b]x[/b] \\ <i>y</i>\r\nBCC: victim@example.com'
HOSTILE_REASON = "[b]x[/b] <script>alert(1)</script>; a, b \\ c"


def test_hostile_facts_reach_the_patient_as_plain_text(
    db: Database, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher],
) -> None:
    with db.unit_of_work() as uow:
        admin_actor = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin_actor, "evil@clinic.example", name="Dr Eve")
        alice = make_user(uow, email="alice@example.com", name="Alice")
        # Stored past core's checks (an old row, a console edit): shown, never obeyed.
        uow.session.execute(text("UPDATE users SET name = :n WHERE id = :id"),
                            {"n": HOSTILE_NAME, "id": doctor.user_id})
        uow.session.execute(text("UPDATE doctors SET address = :a WHERE user_id = :id"),
                            {"a": "Main St; 1, Floor \\2\nrear", "id": doctor.user_id})
        uow.commit()
        view = booking.book(uow, actor=alice, reason=HOSTILE_REASON,
                            slot_id=add_slot(uow, doctor.user_id, IN_3_DAYS_10))
    settings = settings_for()
    dispatcher_for(settings).run_once()
    confirmation = next(m for m in _sent(settings) if m["To"] == "Alice <alice@example.com>")
    assert confirmation["Bcc"] is None  # a line break in a name never makes a header
    plain = confirmation.get_body(("plain",)).get_content()
    html = confirmation.get_body(("html",)).get_content()
    assert HOSTILE_REASON in plain
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    [part] = [p for p in confirmation.iter_attachments()
              if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True)
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    event = Calendar.from_ical(raw).walk("VEVENT")[0]
    name = HOSTILE_NAME.replace("\r\n", "\n")
    assert str(event["SUMMARY"]) == f"Appointment with {name}"
    assert str(event["LOCATION"]) == "Berlin Clinic, Main St; 1, Floor \\2\nrear, Berlin"
    assert event["ORGANIZER"].params["CN"] == name
    assert str(event["UID"]) == f"appointment-{view.id}@doctorbook"


def test_a_secret_in_the_facts_is_blanked_once_sent_or_failed(
    db: Database, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher],
) -> None:
    [sent_id] = queue(db, to="who@example.com", template="doctor_invite", context=INVITE,
                      contains_secret=True)
    [failed_id] = queue(db, to="not an address", template="doctor_invite", context=INVITE,
                        contains_secret=True)
    dispatcher_for(settings_for()).run_once()
    with db.unit_of_work() as uow:
        rows = {r.id: r.stored for r in uow.session.execute(text(
            "SELECT id, to_jsonb(o)::text AS stored FROM email_outbox AS o"))}
    assert "SECRET-TOKEN-123" not in rows[sent_id] + rows[failed_id]
    sent, failed = row(db, sent_id), row(db, failed_id)
    assert (sent.status, failed.status) == ("sent", "failed")
    assert sent.facts is not None and sent.facts["token"] == BODY_REMOVED_SENT
    assert failed.facts is not None and failed.facts["token"] == BODY_REMOVED_FAILED
    assert sent.facts["name"] == "Dr Who"  # only the secret goes
    assert sent.subject.startswith("You are invited")
    with db.unit_of_work() as uow:
        boss = make_user(uow, email="boss@example.com", role=Role.ADMIN)
        with pytest.raises(PolicyViolation, match="one-time token"):
            admin.retry(uow, actor=boss, outbox_id=failed_id)


def test_a_row_queued_before_the_facts_is_sent_as_stored(
    db: Database, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher],
) -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(text(
            "INSERT INTO email_outbox (kind, to_address, to_name, subject, text_body, html_body,"
            " status, attempts, next_attempt_at, idempotency_key, created_at, updated_at) "
            "VALUES ('appointment_update', 'ann@example.com', 'Ann', 'Old subject', "
            "'Old body, rendered long ago.', NULL, 'pending', 0, :now, 'old-row', :now, :now)"),
            {"now": uow.now()})
        uow.commit()
    settings = settings_for()
    assert dispatcher_for(settings).run_once().sent == 1
    [old] = _sent(settings)
    assert old["Subject"] == "Old subject"
    assert old.get_body(("plain",)).get_content().rstrip() == "Old body, rendered long ago."


def test_a_row_that_cannot_be_rendered_fails_for_good_and_still_lists(
    db: Database, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher],
) -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(text(
            "INSERT INTO email_outbox (kind, to_address, template, facts, status, attempts, "
            "next_attempt_at, idempotency_key, created_at, updated_at) VALUES "
            "('appointment_update', 'ann@example.com', 'appointment', '{\"event\": 1}', "
            "'pending', 0, :now, 'broken-row', :now, :now)"), {"now": uow.now()})
        uow.commit()
    assert dispatcher_for(settings_for()).run_once().failed == 1
    with db.unit_of_work() as uow:
        boss = make_user(uow, email="boss@example.com", role=Role.ADMIN)
        [listed] = admin.list_messages(uow, actor=boss, status="failed")
    assert listed.last_error is not None and "could not be rendered" in listed.last_error
    assert listed.subject.startswith("[cannot render")
    assert listed.attempts == 1  # permanent: retrying would render the same


def test_cancel_open_is_judged_when_the_mail_is_sent(
    db: Database, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher], clock: Any,
) -> None:
    with db.unit_of_work() as uow:
        admin_actor = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin_actor, "house@clinic.example", name="Dr House")
        alice = make_user(uow, email="alice@example.com", name="Alice")
        booking.book(uow, actor=alice, slot_id=add_slot(uow, doctor.user_id, IN_3_DAYS_10))
    settings = settings_for()
    # The dispatcher was down until the cancellation window closed: the confirmation no
    # longer offers an online cancel that would be refused.
    clock.advance(IN_3_DAYS_10 - timedelta(hours=23) - clock.now())
    dispatcher_for(settings).run_once()
    confirmation = next(m for m in _sent(settings) if m["To"] == "Alice <alice@example.com>")
    assert "booked and confirmed" in confirmation.get_body(("plain",)).get_content()
    assert "You can cancel online" not in confirmation.get_body(("plain",)).get_content()
