"""Snapshots of the booking screens at 80x24 and 120x36, on a clinic with a past and a future.

The clinic is built through core with the clock moved back, so there are visits that happened
(completed, a no-show), visits today (one checked in) and upcoming ones (inside and outside the
cancellation window); then the clock returns to Tue 24 Nov 2026 09:00Z (10:00 in Berlin).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from doctorbook.core.accounts import patients
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import AvailabilitySlot
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.scheduling import schedule, slots
from doctorbook.tui.app import make_app
from doctorbook.tui.dialogs.book_slot import BookSlotDialog
from doctorbook.tui.dialogs.new_patient import NewPatientDialog
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.search import SearchScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    add_specialties,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    settle,
    steady_cursors,
)

SnapCompare = Callable[..., bool]
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Anything shown in the terminal's local time comes out the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 wall-clock time in Berlin (UTC+1 then), as an instant."""
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Clinic:
    henry: int
    dora: int


def slot_at(db: Database, doctor_id: int, starts_at: datetime) -> int:
    with db.unit_of_work() as uow:
        slot_id = uow.session.scalar(select(AvailabilitySlot.id).where(
            AvailabilitySlot.doctor_id == doctor_id, AvailabilitySlot.starts_at == starts_at))
        assert slot_id is not None, starts_at
        return int(slot_id)


def build_clinic(db: Database, clock: FixedClock) -> Clinic:
    clock.advance(timedelta(days=-7))  # Tue 17 Nov
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology", "General practice")
    henry = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                        specialty_names=("Cardiology", "General practice"),
                        bio="Hearts, blood pressure and check-ups for adults.")
    dora = make_doctor(db, admin, email="dora@example.com", name="Dora Derm",
                       specialty_names=("Dermatology",), clinic="Skin Practice", city="Hamburg",
                       price="60.50")
    doctor = Actor(henry, Role.DOCTOR, "henry@example.com")
    with db.unit_of_work() as uow:
        for weekday, start, end in (("tue", "09:00", "12:00"), ("tue", "14:00", "16:00"),
                                    ("wed", "09:00", "14:00"), ("thu", "14:00", "17:00"),
                                    ("fri", "09:00", "10:00")):
            schedule.add_rule(uow, actor=doctor, weekday=weekday, start=start, end=end)
    with db.unit_of_work() as uow:
        slots.generate(uow, actor=admin, days=21)
    with db.unit_of_work() as uow:
        ana = make_user(uow, email="ana@example.com", name="Ana García")
        alice = make_user(uow, email="alice@example.com", name="Alice Patient")
        bob = make_user(uow, email="bob@example.com", name="Bob Brown")
        desk = make_user(uow, email="rita@example.com", name="Rita Desk",
                         role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        patients.create_patient(uow, actor=desk, email="carl@mail.example",
                                name="Carl Walk-in", phone="+49 30 555 0199")

    def book(patient: Actor, at: datetime, reason: str | None = None) -> int:
        with db.unit_of_work() as uow:
            return booking.book(uow, actor=patient, slot_id=slot_at(db, henry, at),
                                reason=reason).id

    def act(appointment_id: int, *actions: str) -> None:
        for action in actions:
            with db.unit_of_work() as uow:
                lifecycle.change_status(uow, actor=doctor, appointment_id=appointment_id,
                                        action=action)

    completed = book(ana, berlin(17, 14), "Blood pressure check")
    missed = book(ana, berlin(18, 9))
    clock.advance(timedelta(days=1, hours=2))  # Wed 18 Nov, noon
    act(completed, "check_in", "complete")
    act(missed, "no_show")
    clock.advance(timedelta(days=4, hours=22))  # Mon 23 Nov
    checked_in = book(alice, berlin(24, 9, 30), "Follow-up ECG")
    book(bob, berlin(24, 10))
    book(bob, berlin(24, 14), "Knee pain")
    book(ana, berlin(25, 9, 30), "Palpitations after exercise")
    book(ana, berlin(26, 14))
    cancelled = book(ana, berlin(27, 9))
    with db.unit_of_work() as uow:
        lifecycle.cancel(uow, actor=ana, appointment_id=cancelled)
    clock.advance(timedelta(days=1))  # Tue 24 Nov 09:00Z: now
    act(checked_in, "check_in")
    return Clinic(henry=henry, dora=dora)


@pytest.fixture
def clinic(db: Database, clock: FixedClock) -> Clinic:
    return build_clinic(db, clock)


async def open_profile(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SearchScreen)
    pilot.app.screen.query_one("#results", DataTable).focus()
    await pilot.press("enter")  # Henry: the soonest slot
    await settle(pilot)
    assert isinstance(pilot.app.screen, DoctorProfileScreen)


@SIZES
def test_profile_slot_picker(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_profile(pilot)
        await pilot.press("down", "right")  # Wed 25 Nov 09:30 is booked: 10:00

    store = logged_in_store(db, "alice@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_book_dialog(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_profile(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, BookSlotDialog)
        await fill(pilot, "#book-reason", "Chest pain when climbing stairs")
        await steady_cursors(pilot)

    store = logged_in_store(db, "alice@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_my_appointments_upcoming_and_past(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, PatientHomeScreen)

    store = logged_in_store(db, "ana@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_patient_lookup(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PatientLookupScreen)
        await fill(pilot, "#patient-query", "a")
        await settle(pilot)
        await steady_cursors(pilot)

    store = logged_in_store(db, "rita@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_new_patient_dialog(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await fill(pilot, "#patient-query", "Carol Jones")
        await settle(pilot)
        await pilot.press("enter")  # nobody found: a new patient, the name already in
        await pilot.pause()
        assert isinstance(pilot.app.screen, NewPatientDialog)
        await fill(pilot, "#patient-email", "carol@mail.example")
        await steady_cursors(pilot)

    store = logged_in_store(db, "rita@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_day_view(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await fill(pilot, "#patient-query", "ana")
        await settle(pilot)
        await pilot.press("enter", "enter")  # choose Ana: her appointments
        await settle(pilot)
        await pilot.press("b")  # book new: the day view, booking for her
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DayViewScreen)
        screen.query_one("#day-doctor", Select).value = clinic.henry
        await settle(pilot)
        await pilot.press("up")  # Bob's visit at 10:00 (the cursor starts on the first free slot)
        await pilot.pause()

    store = logged_in_store(db, "rita@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
