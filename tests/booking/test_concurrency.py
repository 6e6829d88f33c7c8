"""Races for one slot over separate connections: exactly one booking wins, the rest conflict."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from doctorbook.core.accounts.passwords import hash_password
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, normalise_url
from doctorbook.core.base.errors import Conflict
from doctorbook.core.base.models import Appointment, AvailabilitySlot, User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking, lifecycle
from tests.booking.conftest import IN_3_DAYS_10, add_slot
from tests.conftest import make_user
from tests.search.conftest import make_visible_doctor

CLIENTS = 24


def _patients(db: Database, count: int) -> list[Actor]:
    """Many patients at once (one password hash shared: the race is what's under test)."""
    digest = hash_password("correct horse battery staple")
    with db.unit_of_work() as uow:
        now = uow.now()
        users = [User(email=f"p{i}@example.com", name=f"Patient {i}", role="patient",
                      password_hash=digest, created_at=now, updated_at=now)
                 for i in range(count)]
        uow.session.add_all(users)
        uow.session.flush()
        actors = [Actor(u.id, Role.PATIENT, u.email) for u in users]
        uow.commit()
    return actors


def _race(url: str, clock: FixedClock, work: list[object]) -> tuple[list[object], list[object]]:
    """Run each callable on its own connection, all released at one barrier."""
    # NullPool: every unit of work really opens its own connection, none is shared or queued.
    racing = Database(engine=create_engine(normalise_url(url), poolclass=NullPool), clock=clock)
    barrier = threading.Barrier(len(work))
    wins: list[object] = []
    losses: list[object] = []
    lock = threading.Lock()

    def run(call: object) -> None:
        with racing.unit_of_work() as uow:
            uow.session.execute(select(1))  # connect before the barrier: a true photo finish
            barrier.wait()
            try:
                result = call(uow)  # type: ignore[operator]
            except Exception as exc:  # every outcome is collected and checked below
                with lock:
                    losses.append(exc)
            else:
                with lock:
                    wins.append(result)

    threads = [threading.Thread(target=run, args=(w,)) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    racing.dispose()
    return wins, losses


def test_many_patients_racing_for_one_slot_make_exactly_one_appointment(
    db: Database, fresh_db_url: str, clock: FixedClock
) -> None:
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        slot = add_slot(uow, doctor.user_id, IN_3_DAYS_10)
    patients = _patients(db, CLIENTS)

    def attempt(patient: Actor) -> object:
        return lambda uow: booking.book(uow, actor=patient, slot_id=slot)

    wins, losses = _race(fresh_db_url, clock, [attempt(p) for p in patients])

    assert len(wins) == 1
    assert len(losses) == CLIENTS - 1
    assert all(isinstance(e, Conflict) and "no longer available" in str(e) for e in losses), {
        type(e).__name__ for e in losses}
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert uow.session.scalar(
            select(AvailabilitySlot.status).where(AvailabilitySlot.id == slot)) == "booked"


def test_one_patient_racing_for_overlapping_slots_gets_at_most_one(
    db: Database, fresh_db_url: str, clock: FixedClock
) -> None:
    """Two doctors' slots at one time, one patient clicking both at once: the database decides."""
    with db.unit_of_work() as uow:
        admin = make_user(uow, email="admin@clinic.example", role=Role.ADMIN)
        house = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr House")
        wilson = make_visible_doctor(uow, admin, "wilson@clinic.example", name="Dr Wilson")
        slots = [add_slot(uow, house.user_id, IN_3_DAYS_10),
                 add_slot(uow, wilson.user_id, IN_3_DAYS_10 + timedelta(minutes=10))]
    (alice,) = _patients(db, 1)

    def attempt(slot_id: int) -> object:
        return lambda uow: booking.book(uow, actor=alice, slot_id=slot_id)

    for _ in range(5):
        wins, losses = _race(fresh_db_url, clock, [attempt(s) for s in slots])
        assert len(wins) == 1 and len(losses) == 1
        assert isinstance(losses[0], Conflict)
        with db.unit_of_work() as uow:
            live = uow.session.scalars(
                select(Appointment).where(Appointment.status != "cancelled")).all()
            assert len(live) == 1
            lifecycle.cancel(uow, actor=alice, appointment_id=live[0].id)
