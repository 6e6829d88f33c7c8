"""Reminders the dispatcher derives: 24 h and 2 h before a visit still to come, each sent once,
never for a cancelled, moved, completed or missed visit, nor to a patient without an e-mail.

Everything goes through the real dispatcher to a loopback SMTP server, on the test clock.
"""

from __future__ import annotations

import email
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from typing import Any

import pytest
from sqlalchemy import select, text

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.appointments import AppointmentView
from doctorbook.core.mail.dispatcher import Dispatcher
from tests.booking.conftest import IN_3_DAYS_10, add_slot
from tests.conftest import make_user
from tests.mail.conftest import ScriptedSmtp, dispatcher_for, settings_for, smtp_server
from tests.search.conftest import make_visible_doctor

__all__ = ["dispatcher_for", "settings_for", "smtp_server"]

DAY_BEFORE = "Reminder: your appointment tomorrow: Dr Gregory House"
TWO_HOURS = "Reminder: your appointment in 2 hours: Dr Gregory House"


def subject(message: Any) -> str:
    """The Subject as a mail client shows it (a long one arrives folded)."""
    return " ".join(str(message["Subject"]).split())


@dataclass
class World:
    db: Database
    clock: FixedClock
    smtp: ScriptedSmtp
    dispatcher: Dispatcher
    make_dispatcher: Callable[[], Dispatcher]
    admin: Actor
    desk: Actor
    doctor: Actor
    alice: Actor
    bob: Actor

    def book(self, patient: Actor, starts_at: datetime, **options: Any) -> AppointmentView:
        with self.db.unit_of_work() as uow:
            slot = add_slot(uow, self.doctor.user_id, starts_at)
            actor = self.desk if "patient_id" in options else patient
            return booking.book(uow, actor=actor, slot_id=slot, **options)

    def at(self, instant: datetime) -> None:
        self.clock.advance(instant - self.clock.now())

    def run(self) -> list[tuple[str, str]]:
        """Run the dispatcher once; (recipient, subject) of what reached the SMTP server."""
        before = len(self.smtp.received)
        self.dispatcher.run_once()
        return [(str(m["To"]), subject(m)) for m in self.received()[before:]]

    def received(self) -> list[Any]:
        return [email.message_from_bytes(raw, policy=policy.default)
                for raw in self.smtp.received]

    def reminder_keys(self) -> dict[str, str]:
        with self.db.unit_of_work() as uow:
            return dict((key, status) for key, status in uow.session.execute(
                select(EmailOutbox.idempotency_key, EmailOutbox.status)
                .where(EmailOutbox.kind == "appointment_reminder")).all())


@pytest.fixture
def world(
    db: Database, clock: FixedClock, settings_for: Callable[..., Settings],
    dispatcher_for: Callable[..., Dispatcher], smtp_server: tuple[ScriptedSmtp, int],
) -> World:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
        desk = make_user(uow, email="desk@clinic.example", name="Rita Desk",
                         role=Role.RECEPTIONIST)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr Gregory House")
        alice = make_user(uow, email="alice@example.com", name="Alice Patient")
        bob = make_user(uow, email="bob@example.com", name="Bob Patient")
        uow.commit()
    handler, port = smtp_server
    settings = settings_for(email_provider="smtp", smtp_host="127.0.0.1", smtp_port=port)

    def make() -> Dispatcher:
        return dispatcher_for(settings)

    w = World(db=db, clock=clock, smtp=handler, dispatcher=make(), make_dispatcher=make,
              admin=admin, desk=desk, doctor=doctor, alice=alice, bob=bob)
    w.run()  # the doctor's invitation
    return w


ALICE = "Alice Patient <alice@example.com>"
BOB = "Bob Patient <bob@example.com>"


def test_each_reminder_goes_once_at_its_time_and_says_what_is_true_then(world: World) -> None:
    visit = world.book(world.alice, IN_3_DAYS_10)
    [(to, subject)] = world.run()
    assert (to, subject) == (ALICE, "Appointment confirmed: Dr Gregory House, Fri 27 Nov 10:00 "
                                    "(CET)")
    world.at(IN_3_DAYS_10 - timedelta(hours=24, minutes=1))
    assert world.run() == []
    world.at(IN_3_DAYS_10 - timedelta(hours=23, minutes=59))
    assert world.run() == [(ALICE, f"{DAY_BEFORE}, Fri 27 Nov 10:00 (CET)")]
    reminder = world.received()[-1]
    body = reminder.get_body(("plain",))
    assert body is not None
    words = body.get_content()
    assert "This is a reminder of your appointment tomorrow." in words
    assert "Friday 27 November 2026, 10:00 to 10:30 (Europe/Berlin, CET)" in words
    # Judged when it is sent: the 24 h online cancellation window has just closed.
    assert "You can cancel online until" not in words
    assert not list(reminder.iter_attachments())  # a reminder carries no calendar file
    assert world.run() == []  # queued and sent once, however often the dispatcher runs
    world.at(IN_3_DAYS_10 - timedelta(hours=2))
    assert world.run() == [(ALICE, f"{TWO_HOURS}, Fri 27 Nov 10:00 (CET)")]
    world.at(IN_3_DAYS_10 + timedelta(minutes=1))
    assert world.run() == []
    assert world.reminder_keys() == {f"reminder:{visit.id}:24h": "sent",
                                     f"reminder:{visit.id}:2h": "sent"}


def test_dispatchers_running_side_by_side_send_each_reminder_once(world: World) -> None:
    world.book(world.alice, IN_3_DAYS_10)
    world.book(world.bob, IN_3_DAYS_10 + timedelta(minutes=30))
    world.run()
    world.at(IN_3_DAYS_10 - timedelta(hours=23))
    other = world.make_dispatcher()
    other.run_once()
    world.dispatcher.run_once()
    other.run_once()
    reminders = [m for m in world.received() if subject(m).startswith(DAY_BEFORE)]
    assert sorted(str(m["To"]) for m in reminders) == [ALICE, BOB]


def test_a_visit_booked_5_hours_ahead_gets_only_the_2_hour_reminder(world: World) -> None:
    start = world.clock.now() + timedelta(hours=5)
    visit = world.book(world.alice, start)
    # Booked inside the lead time by the desk: no reminder at all.
    close = world.book(world.bob, world.clock.now() + timedelta(minutes=90),
                       patient_id=world.bob.user_id, override_policy=True)
    assert [s for _, s in world.run()] == [
        "Appointment confirmed: Dr Gregory House, Tue 24 Nov 15:00 (CET)",
        "Appointment confirmed: Dr Gregory House, Tue 24 Nov 11:30 (CET)"]
    world.at(start - timedelta(hours=2, minutes=1))
    assert world.run() == []
    world.at(start - timedelta(hours=2))
    assert world.run() == [(ALICE, f"{TWO_HOURS}, Tue 24 Nov 15:00 (CET)")]
    world.at(start + timedelta(hours=1))
    assert world.run() == []
    assert world.reminder_keys() == {f"reminder:{visit.id}:2h": "sent"}
    assert close.id not in {int(k.split(":")[1]) for k in world.reminder_keys()}


def test_cancelled_and_moved_visits_get_no_reminder(world: World) -> None:
    cancelled_early = world.book(world.alice, IN_3_DAYS_10)
    moved = world.book(world.bob, IN_3_DAYS_10 + timedelta(minutes=30))
    with world.db.unit_of_work() as uow:
        lifecycle.cancel(uow, actor=world.alice, appointment_id=cancelled_early.id)
    with world.db.unit_of_work() as uow:
        slot = add_slot(uow, world.doctor.user_id, IN_3_DAYS_10 + timedelta(hours=3))
        new = booking.reschedule(uow, actor=world.bob, appointment_id=moved.id,
                                 new_slot_id=slot)
    world.run()
    later = world.book(world.alice, IN_3_DAYS_10 + timedelta(hours=1))
    world.run()
    world.at(IN_3_DAYS_10 + timedelta(hours=1) - timedelta(hours=23))
    assert sorted(world.run()) == [(ALICE, f"{DAY_BEFORE}, Fri 27 Nov 11:00 (CET)")]
    # Cancelled by the clinic after its 24 h reminder: no 2 h one.
    with world.db.unit_of_work() as uow:
        lifecycle.cancel(uow, actor=world.desk, appointment_id=later.id, reason="doctor ill")
    world.run()
    world.at(IN_3_DAYS_10 + timedelta(hours=3) - timedelta(hours=23))
    assert world.run() == [(BOB, f"{DAY_BEFORE}, Fri 27 Nov 13:00 (CET)")]
    world.at(IN_3_DAYS_10 + timedelta(hours=3) - timedelta(hours=2))
    assert world.run() == [(BOB, f"{TWO_HOURS}, Fri 27 Nov 13:00 (CET)")]
    assert world.reminder_keys() == {
        f"reminder:{later.id}:24h": "sent", f"reminder:{new.id}:24h": "sent",
        f"reminder:{new.id}:2h": "sent"}


def test_completed_and_missed_visits_get_no_more_reminders(world: World) -> None:
    done = world.book(world.alice, IN_3_DAYS_10)
    missed = world.book(world.bob, IN_3_DAYS_10 - timedelta(hours=3))
    world.run()
    world.at(IN_3_DAYS_10 - timedelta(hours=23))
    assert len(world.run()) == 2  # both 24 h reminders
    world.at(IN_3_DAYS_10 - timedelta(hours=3, minutes=-5))
    with world.db.unit_of_work() as uow:
        lifecycle.change_status(uow, actor=world.doctor, appointment_id=missed.id,
                                action="no_show")
    with world.db.unit_of_work() as uow:
        for action in ("check_in", "complete"):
            lifecycle.change_status(uow, actor=world.doctor, appointment_id=done.id,
                                    action=action)
    world.at(IN_3_DAYS_10 - timedelta(hours=2))
    assert world.run() == []  # completed: no 2 h reminder
    assert world.reminder_keys() == {f"reminder:{done.id}:24h": "sent",
                                     f"reminder:{missed.id}:24h": "sent"}


def test_a_dispatcher_down_for_a_day_sends_only_what_is_still_useful(world: World) -> None:
    soon = world.book(world.alice, IN_3_DAYS_10)
    world.book(world.bob, IN_3_DAYS_10 - timedelta(hours=2))
    world.run()
    # Down from two days before until 90 minutes before alice's visit (bob's has started).
    world.at(IN_3_DAYS_10 - timedelta(minutes=90))
    assert world.run() == [(ALICE, f"{TWO_HOURS}, Fri 27 Nov 10:00 (CET)")]
    assert world.reminder_keys() == {f"reminder:{soon.id}:2h": "sent"}


def test_no_reminder_or_confirmation_for_a_patient_without_an_email(world: World) -> None:
    with world.db.unit_of_work() as uow:
        uow.session.execute(text("UPDATE users SET email = NULL, phone = '+49 30 1234' "
                                 "WHERE id = :id"), {"id": world.bob.user_id})
        uow.commit()
    walk_in = world.book(world.bob, IN_3_DAYS_10, patient_id=world.bob.user_id)
    with world.db.unit_of_work() as uow:
        assert uow.session.scalar(select(EmailOutbox.id).where(
            EmailOutbox.entity_kind == "appointment",
            EmailOutbox.entity_id == str(walk_in.id))) is None
    assert world.run() == []
    for before in (timedelta(hours=23), timedelta(hours=1)):
        world.at(IN_3_DAYS_10 - before)
        assert world.run() == []
    assert world.reminder_keys() == {}


def test_an_erased_patient_gets_no_reminder(world: World) -> None:
    world.book(world.alice, IN_3_DAYS_10)
    world.run()
    with world.db.unit_of_work() as uow:
        uow.session.execute(text("UPDATE users SET erased_at = :now WHERE id = :id"),
                            {"now": world.clock.now(), "id": world.alice.user_id})
        uow.commit()
    world.at(IN_3_DAYS_10 - timedelta(hours=23))
    assert world.run() == []
    assert world.reminder_keys() == {}


def test_the_derivation_reads_appointments_through_an_index(world: World) -> None:
    from doctorbook.core.mail.dispatcher import _QUEUE_REMINDERS_SQL

    with world.db.unit_of_work() as uow:
        uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(uow.session.execute(
            text("EXPLAIN " + _QUEUE_REMINDERS_SQL), {"now": world.clock.now()}).scalars())
    assert "ix_appointments_starts_at" in plan or "ix_appointments_reminders" in plan, plan
