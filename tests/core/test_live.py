"""Live updates: a committed change is announced after its commit and heard by a Listener."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from doctorbook.core.base import live
from doctorbook.core.base.db import Database
from doctorbook.core.base.errors import Conflict
from doctorbook.core.base.live import Changes, Listener
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.mail.dispatcher import Dispatcher
from doctorbook.core.scheduling import schedule, slots
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10
from tests.conftest import make_user
from tests.mail.conftest import make_settings, queue
from tests.search.conftest import add_slot, make_visible_doctor

#: What a user may wait for a change to show on their screen.
PROMPT = 1.0
#: How long a test waits for something that must happen, on however busy a machine.
PATIENCE = 15.0
#: An outbox id no test makes: a change committed last, to know all before it arrived.
MARKER = 10**9


@dataclass
class Heard:
    """What a Listener heard, for a test to wait on."""

    changes: list[Changes] = field(default_factory=list)
    reconnects: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def on_change(self, changes: Changes) -> None:
        with self.arrived:
            self.changes.append(changes)
            self.arrived.notify_all()

    def on_reconnect(self) -> None:
        with self.arrived:
            self.reconnects += 1
            self.arrived.notify_all()

    def wait_for(self, what: str, condition: object, timeout: float = PATIENCE) -> float:
        """Wait until `condition()` holds; how long that took."""
        start = time.monotonic()
        with self.arrived:
            if not self.arrived.wait_for(condition, timeout):  # type: ignore[arg-type]
                raise AssertionError(f"not within {timeout:g} s: {what}; heard {self.changes}")
        return time.monotonic() - start

    def touching(self, topic: str, *ids: int) -> list[Changes]:
        with self.arrived:
            return [c for c in self.changes if c.touches(topic, *ids)]


@dataclass(frozen=True)
class Clinic:
    admin: Actor
    doctor: Actor
    patient: Actor
    slot: int
    other_slot: int


@pytest.fixture
def clinic(db: Database) -> Clinic:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        patient = make_user(uow, email="alice@example.com", name="Alice Patient")
        slot = add_slot(uow, doctor.user_id, TOMORROW_10)
        other = add_slot(uow, doctor.user_id, IN_3_DAYS_10)
    return Clinic(admin, doctor, patient, slot, other)


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def listener(db: Database, heard: Heard) -> Iterator[Listener]:
    """A Listener on the test database, already listening."""
    one = Listener.for_engine(db.engine, on_change=heard.on_change,
                              on_reconnect=heard.on_reconnect)
    one.start()
    assert one.wait_listening(PATIENCE), "the listener never started listening"
    yield one
    one.stop()


def mark(db: Database, marker: int) -> None:
    """Commit a change of nothing but a marker id (of a doctor that doesn't exist), to know
    every earlier hint has arrived: hints from one connection arrive in the order their
    transactions committed."""
    with db.unit_of_work() as uow:
        uow.execute(text("SELECT 1"))
        uow.changed(live.DOCTORS, marker)
        uow.commit()


def marked(heard: Heard, marker: int) -> bool:
    return any(marker in (c.ids(live.DOCTORS) or ()) for c in heard.changes)


def book(db: Database, clinic: Clinic, slot: int) -> int:
    with db.unit_of_work() as uow:
        return booking.book(uow, actor=clinic.patient, slot_id=slot).id


def test_a_booking_is_heard_within_a_second_with_its_appointment_doctor_and_slots(
    db: Database, clinic: Clinic, listener: Listener, heard: Heard
) -> None:
    seen_in_database: list[bool] = []
    check = create_engine(db.engine.url)

    def on_change(changes: Changes) -> None:
        # What a screen does on hearing: read the database. The booking must be there.
        with check.connect() as conn:
            seen_in_database.append(bool(conn.execute(
                text("SELECT count(*) FROM appointments")).scalar()))
        heard.on_change(changes)

    listener.stop()
    second = Listener.for_engine(db.engine, on_change=on_change)
    second.start()
    assert second.wait_listening(PATIENCE)
    try:
        appointment = book(db, clinic, clinic.slot)
        took = heard.wait_for("the booking heard", lambda: heard.touching(
            live.APPOINTMENTS, appointment))
    finally:
        second.stop()
        check.dispose()

    assert took < PROMPT
    [changes] = heard.changes
    assert changes.ids(live.APPOINTMENTS) == {appointment}
    # The day views and dashboards of this doctor refresh, and search's next slots.
    assert changes.ids(live.DOCTORS) == {clinic.doctor.user_id}
    assert changes.ids(live.SLOTS) == {clinic.doctor.user_id}
    assert not changes.touches(live.DOCTORS, clinic.doctor.user_id + 1000)
    assert seen_in_database == [True]


def test_notes_and_cancellations_are_heard(
    db: Database, clinic: Clinic, listener: Listener, heard: Heard
) -> None:
    appointment = book(db, clinic, clinic.slot)
    with db.unit_of_work() as uow:
        lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=appointment,
                           text="allergic to penicillin")
    with db.unit_of_work() as uow:
        lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=appointment,
                         reason="doctor ill")
    heard.wait_for("book, note and cancel heard",
                   lambda: len(heard.touching(live.APPOINTMENTS, appointment)) == 3)
    _booked, noted, cancelled = heard.touching(live.APPOINTMENTS, appointment)
    assert not noted.touches(live.SLOTS)  # a note frees or takes no slot
    assert cancelled.touches(live.DOCTORS, clinic.doctor.user_id)
    assert cancelled.touches(live.SLOTS, clinic.doctor.user_id)  # the slot is open again


def test_slot_generation_and_schedule_edits_are_heard_by_doctor(
    db: Database, clinic: Clinic, listener: Listener, heard: Heard
) -> None:
    with db.unit_of_work() as uow:
        schedule.add_rule(uow, actor=clinic.doctor, weekday="mon", start="09:00", end="12:00")
    with db.unit_of_work() as uow:
        slots.generate(uow, actor=clinic.admin, days=14)
    heard.wait_for("the rule and the generation heard",
                   lambda: len(heard.touching(live.SLOTS, clinic.doctor.user_id)) == 2)
    assert not heard.touching(live.APPOINTMENTS)


def test_the_dispatcher_sending_is_heard_with_the_outbox_ids(
    db: Database, listener: Listener, heard: Heard, tmp_path: Path
) -> None:
    ids = queue(db, 2)
    with Dispatcher.from_settings(db, make_settings(tmp_path)) as dispatcher:
        dispatcher.run_once()
    # Claimed (now sending), then recorded as sent: the admin's outbox shows both.
    mark(db, MARKER)
    heard.wait_for("the marker", lambda: marked(heard, MARKER))
    said = [c.ids(live.OUTBOX) for c in heard.changes if c.touches(live.OUTBOX)]
    # Queued, claimed (now sending), recorded as sent: each hint names both e-mails (and the
    # listener may have heard some at once and merged them).
    assert 1 <= len(said) <= 3
    assert all(s == set(ids) for s in said)


def test_a_rolled_back_use_case_announces_nothing(
    db: Database, clinic: Clinic, listener: Listener, heard: Heard
) -> None:
    appointment = book(db, clinic, clinic.slot)
    taken = book(db, clinic, clinic.other_slot)
    # Rescheduling onto a slot that is taken releases the old one first, then is refused:
    # everything it did is rolled back, so nobody may hear of it.
    with pytest.raises(Conflict), db.unit_of_work() as uow:
        booking.reschedule(uow, actor=clinic.patient, appointment_id=appointment,
                           new_slot_id=clinic.other_slot)
    with db.unit_of_work() as uow:
        uow.changed(live.APPOINTMENTS, 424242)
        uow.rollback()
        uow.commit()  # nothing left to commit, nor to announce
    mark(db, MARKER)
    heard.wait_for("the marker", lambda: marked(heard, MARKER))
    assert [c.ids(live.APPOINTMENTS) for c in heard.changes] == [{appointment}, {taken}, set()]


def test_the_notify_comes_after_the_commit_not_while_the_transaction_is_open(
    db: Database, clinic: Clinic, listener: Listener, heard: Heard
) -> None:
    with db.unit_of_work() as uow:
        uow.execute(text("UPDATE availability_slots SET status = 'blocked' WHERE id = :id"),
                    {"id": clinic.slot})
        uow.changed(live.SLOTS, clinic.doctor.user_id)
        # Changed and recorded, not committed: a change committed meanwhile elsewhere is
        # heard, this one is not.
        mark(db, MARKER)
        heard.wait_for("the marker", lambda: marked(heard, MARKER))
        assert not heard.touching(live.SLOTS)
        uow.commit()
    heard.wait_for("the change, once committed", lambda: heard.touching(live.SLOTS))


def test_a_huge_change_still_makes_a_valid_payload(
    db: Database, listener: Listener, heard: Heard
) -> None:
    many = range(1, 20_001)
    payload = Changes({live.APPOINTMENTS: frozenset(many), live.DOCTORS: frozenset({7})}
                      ).to_payload()
    assert len(payload.encode()) < 8000
    with db.unit_of_work() as uow:
        uow.execute(text("SELECT 1"))
        uow.changed(live.APPOINTMENTS, *many)
        uow.changed(live.DOCTORS, 7)
        uow.commit()
    heard.wait_for("the huge change", lambda: heard.touching(live.DOCTORS, 7))
    [changes] = heard.changes
    # Too many ids to send: "any appointment may have changed"; the short list stays exact.
    assert changes.ids(live.APPOINTMENTS) is None
    assert changes.touches(live.APPOINTMENTS, 5)
    assert changes.ids(live.DOCTORS) == {7}


def test_a_listener_whose_connection_is_killed_reconnects_and_says_so(
    db: Database, clinic: Clinic, listener: Listener, heard: Heard
) -> None:
    with db.engine.connect() as conn:
        killed = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'doctorbook-live' AND datname = current_database()"
        )).scalars().all()
    assert killed == [True]
    heard.wait_for("the reconnect", lambda: heard.reconnects == 1)
    assert listener.wait_listening(PATIENCE)
    appointment = book(db, clinic, clinic.slot)
    heard.wait_for("a change after the reconnect",
                   lambda: heard.touching(live.APPOINTMENTS, appointment))


def test_stop_is_prompt_and_closes_the_connection(db: Database, listener: Listener) -> None:
    start = time.monotonic()
    listener.stop()
    assert time.monotonic() - start < PROMPT
    assert not listener.listening
    deadline = time.monotonic() + PATIENCE
    with db.engine.connect() as conn:
        while conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'doctorbook-live'"
                " AND datname = current_database()")).scalar():
            assert time.monotonic() < deadline, "the listener's connection stayed open"
            conn.rollback()
            time.sleep(0.05)


def test_a_listener_waits_for_a_database_that_is_away_then_refreshes(
    db: Database, server_url: str, heard: Heard
) -> None:
    name = f"{make_url(db.engine.url).database}_later"
    url = make_url(db.engine.url).set(database=name).render_as_string(hide_password=False)
    one = Listener(url, on_change=heard.on_change, on_reconnect=heard.on_reconnect,
                   backoff=(0.05, 0.2))
    one.start()
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        assert not one.wait_listening(0.3)  # nothing to connect to yet
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        heard.wait_for("listening once the database is there", lambda: heard.reconnects == 1)
        start = time.monotonic()
        one.stop()
        assert time.monotonic() - start < PROMPT
    finally:
        one.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_stop_is_prompt_while_the_database_is_away(db: Database, heard: Heard) -> None:
    url = make_url(db.engine.url).set(database="dbk_nowhere").render_as_string(
        hide_password=False)
    one = Listener(url, on_change=heard.on_change, backoff=(5.0, 5.0))
    one.start()
    assert not one.wait_listening(0.3)
    start = time.monotonic()
    one.stop()
    assert time.monotonic() - start < PROMPT


def test_changes_merge_and_read_any_payload_safely() -> None:
    a = Changes({live.APPOINTMENTS: frozenset({1}), live.SLOTS: frozenset({5})})
    b = Changes({live.APPOINTMENTS: frozenset({2}), live.SLOTS: None})
    merged = a.merge(b)
    assert merged.ids(live.APPOINTMENTS) == {1, 2}
    assert merged.ids(live.SLOTS) is None
    assert merged.ids(live.OUTBOX) == set()
    assert Changes.from_payload(a.to_payload()) == a
    # Someone else's NOTIFY on our channel, or garbage: refresh everything, never crash.
    for junk in ("", "not json", "[1, 2]", '{"appointments": ["Alice"]}'):
        assert Changes.from_payload(junk) == Changes.everything()
    with pytest.raises(ValueError, match="unknown live-update topic"):
        live.Recorder().add("patients", [1])
