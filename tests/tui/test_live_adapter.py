"""The app's live updates: a change made elsewhere reaches the running app as a message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from textual.message import Message

from doctorbook.core.base import live
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.live import Changes
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking
from doctorbook.tui.live import DataChanged, LiveUpdates, Reconnected
from tests.booking.conftest import TOMORROW_10, Clinic, add_slot, clinic
from tests.tui.conftest import app_for, settle, wait_until

__all__ = ["clinic"]  # the booking tests' clinic, here on the app's database

DESK = "desk@clinic.example"


@pytest.fixture
def uow(db: Database) -> Iterator[UnitOfWork]:
    """The clinic fixture's core calls commit to the database the app reads."""
    with db.unit_of_work() as unit:
        yield unit


def book_elsewhere(db: Database, clinic: Clinic, slot: int) -> int:
    """Another terminal books (its own unit of work, committed)."""
    with db.unit_of_work() as uow:
        return booking.book(uow, actor=clinic.alice, slot_id=slot).id


def kill_listener(db: Database) -> None:
    with db.engine.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'doctorbook-live' AND datname = current_database()"))


async def test_a_booking_made_elsewhere_reaches_the_app_and_a_lost_connection_comes_back(
    settings: Settings, db: Database, clinic: Clinic, uow: UnitOfWork
) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    app = app_for(settings, db, DESK)
    seen: list[Message] = []
    async with app.run_test(message_hook=seen.append) as pilot:
        await settle(pilot)
        updates = LiveUpdates(app, db, safety_seconds=None)
        updates.start()
        try:
            assert updates.listener is not None
            assert await asyncio.to_thread(updates.listener.wait_listening, 15.0)
            appointment = await asyncio.to_thread(book_elsewhere, db, clinic, slot)

            def heard() -> list[Changes]:
                return [m.changes for m in seen if isinstance(m, DataChanged)
                        and m.changes.touches(live.APPOINTMENTS, appointment)]

            await wait_until(pilot, lambda: bool(heard()), "the booking reached the app")
            assert heard()[0].touches(live.DOCTORS, clinic.doctor.user_id)

            await asyncio.to_thread(kill_listener, db)
            await wait_until(pilot, lambda: any(isinstance(m, Reconnected) for m in seen),
                             "the app told live updates are back")
        finally:
            updates.stop()
        assert not updates.running
        assert not app.crashed


async def test_the_slow_safety_refresh_asks_for_everything(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    seen: list[Message] = []
    async with app.run_test(message_hook=seen.append) as pilot:
        await settle(pilot)
        updates = LiveUpdates(app, db, safety_seconds=0.1)
        updates.start()
        try:
            await wait_until(
                pilot,
                lambda: any(isinstance(m, DataChanged) and m.changes == Changes.everything()
                            for m in seen),
                "a safety refresh")
        finally:
            updates.stop()
