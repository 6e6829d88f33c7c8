"""Issue 13, part 4: the desk's home is today's arrivals across all doctors, with check in,
cancel and move on the row; p opens a patient's appointments (same actions, and b books new).

The clock reads Tue 24 Nov 2026 09:00Z, 10:00 in Berlin, where both doctors work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import Appointment
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.tui.app import DoctorbookApp
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.doctors_admin import DoctorsAdminScreen
from doctorbook.tui.screens.help import HelpScreen
from doctorbook.tui.screens.metrics import MetricsScreen
from doctorbook.tui.screens.patient_appointments import PatientAppointmentsScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import make_user
from tests.search.conftest import add_slot
from tests.tui.conftest import (
    add_specialties,
    app_for,
    binding_ids,
    fill,
    make_admin,
    make_doctor,
    row_values,
    said,
    settle,
    steady_cursors,
    text_of,
)

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
DESK = "rita@example.com"
ADMIN = "ada@clinic.example"


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 wall-clock time in Berlin (UTC+1 then), as an instant."""
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)


#: Times shown in the terminal's local zone read the same on every machine (conftest).
pytestmark = pytest.mark.usefixtures("utc")


class Clinic:
    """Dr Henry Heart and Dr Olga Ortho in Berlin; today's arrivals: Alice 10:30 (Henry),
    Bob 11:00 (Olga), Bob 14:00 (Henry), Alice 23:30 (Henry, too far off to check in);
    Alice has a visit tomorrow and one this morning at 08:00 (completed), and Bob's 15:00
    with Olga is cancelled."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db = db
        admin = make_admin(db)
        add_specialties(db, admin, "Cardiology", "Orthopedics")
        self.henry = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                                 specialty_names=("Cardiology",))
        self.olga = make_doctor(db, admin, email="olga@example.com", name="Olga Ortho",
                                specialty_names=("Orthopedics",))
        with db.unit_of_work() as uow:
            self.alice = make_user(uow, email="alice@example.com", name="Alice Patient")
            self.bob = make_user(uow, email="bob@example.com", name="Bob Patient")
            self.desk = make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)

        # This morning's visit, booked and completed while it was still ahead.
        clock.advance(timedelta(days=-1))
        early = self.book(self.henry, berlin(24, 8), self.alice, "Blood test")
        henry = Actor(self.henry, Role.DOCTOR, "henry@example.com")
        clock.advance(timedelta(hours=21, minutes=50))  # 07:50 in Berlin: Alice arrives
        with db.unit_of_work() as uow:
            lifecycle.change_status(uow, actor=self.desk, appointment_id=early,
                                    action="check_in")
        clock.advance(timedelta(minutes=40))  # 08:30: it is over
        with db.unit_of_work() as uow:
            lifecycle.change_status(uow, actor=henry, appointment_id=early, action="complete")
        clock.advance(timedelta(hours=1, minutes=30))  # back to 10:00 in Berlin

        self.alice_1030 = self.book(self.henry, berlin(24, 10, 30), self.alice, "Chest pain")
        self.bob_1100 = self.book(self.olga, berlin(24, 11), self.bob, None)
        self.bob_1400 = self.book(self.henry, berlin(24, 14), self.bob, "Check-up")
        self.alice_2330 = self.book(self.henry, berlin(24, 23, 30), self.alice, None)
        self.alice_tomorrow = self.book(self.henry, berlin(25, 9), self.alice, "Results")
        cancelled = self.book(self.olga, berlin(24, 15), self.bob, None)
        with db.unit_of_work() as uow:
            lifecycle.cancel(uow, actor=self.desk, appointment_id=cancelled, reason="Ill")
        # Open slots to move to: Henry at 16:00 today.
        with db.unit_of_work() as uow:
            self.henry_1600 = add_slot(uow, self.henry, berlin(24, 16))

    def book(self, doctor_id: int, start: datetime, patient: Actor, reason: str | None) -> int:
        with self.db.unit_of_work() as uow:
            slot_id = add_slot(uow, doctor_id, start)
        with self.db.unit_of_work() as uow:
            return booking.book(uow, actor=self.desk, slot_id=slot_id,
                                patient_id=patient.user_id, reason=reason,
                                override_policy=True).id

    def appointment(self, appointment_id: int) -> Appointment:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Appointment, appointment_id)
            assert row is not None
            uow.session.expunge_all()
            return row


@pytest.fixture
def clinic(db: Database, clock: FixedClock) -> Clinic:
    return Clinic(db, clock)


def rows(pilot: Pilot[None], selector: str) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


async def home(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, StaffHomeScreen)


async def highlight(pilot: Pilot[None], selector: str, patient_time: str) -> None:
    """Put the cursor on the row whose first cell is `patient_time`."""
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    firsts = [row_values(table, i)[0] for i in range(table.row_count)]
    table.focus()
    table.move_cursor(row=firsts.index(patient_time))
    await settle(pilot)


ARRIVALS = [
    ["10:30", "Alice Patient", "Dr Henry Heart", "Confirmed"],
    ["11:00", "Bob Patient", "Dr Olga Ortho", "Confirmed"],
    ["14:00", "Bob Patient", "Dr Henry Heart", "Confirmed"],
    ["23:30", "Alice Patient", "Dr Henry Heart", "Confirmed"],
]


# --- the list --------------------------------------------------------------------------------


async def test_the_desk_home_lists_todays_arrivals_across_all_doctors(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """Today's visits of both doctors by time, the zone once in the heading; this morning's
    completed visit is listed (it happened today), the cancelled one and tomorrow's are not."""
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        assert text_of(app, "#arrivals-title") == (
            "Front desk · today's arrivals · Tue 24 Nov · Europe/Berlin time")
        assert rows(pilot, "#arrivals") == [
            ["08:00", "Alice Patient", "Dr Henry Heart", "Completed"], *ARRIVALS]
        assert app.screen.query_one("#arrivals", DataTable).has_focus

        # Enter says what the day view says of a booked slot.
        await highlight(pilot, "#arrivals", "10:30")
        await pilot.press("enter")
        await settle(pilot)
        assert said(app, "Alice Patient's visit with Dr Henry Heart on Tue 24 Nov 10:30 "
                         "(Europe/Berlin): confirmed, reason: Chest pain.")


async def test_check_in_from_the_home(settings: Settings, db: Database, clinic: Clinic) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        await highlight(pilot, "#arrivals", "10:30")
        assert {"desk-check-in", "desk-cancel", "desk-move"} <= binding_ids(app)
        await pilot.press("i")
        await settle(pilot)
        assert clinic.appointment(clinic.alice_1030).status == "checked_in"
        assert said(app, "Checked in: Alice Patient's visit with Dr Henry Heart on "
                         "Tue 24 Nov 10:30.")
        assert rows(pilot, "#arrivals")[1] == [
            "10:30", "Alice Patient", "Dr Henry Heart", "Checked in"]
        # Checked in: no second check-in, no move; cancelling still applies.
        ids = binding_ids(app)
        assert "desk-check-in" not in ids and "desk-move" not in ids
        assert "desk-cancel" in ids


async def test_cancel_from_the_home_asks_for_a_reason(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        await highlight(pilot, "#arrivals", "11:00")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # no reason: asked again
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert said(app, "Say why the visit is cancelled")
        assert clinic.appointment(clinic.bob_1100).status == "confirmed"
        await fill(pilot, "TextPrompt Input", "Doctor is ill")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, StaffHomeScreen)
        cancelled = clinic.appointment(clinic.bob_1100)
        assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Doctor is ill")
        assert said(app, "Cancelled Bob Patient's visit with Dr Olga Ortho on Tue 24 Nov "
                         "11:00; the patient gets an e-mail.")
        assert ["11:00", "Bob Patient", "Dr Olga Ortho", "Confirmed"] not in rows(
            pilot, "#arrivals")


async def test_move_from_the_home_opens_the_day_view_moving_the_visit(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        await highlight(pilot, "#arrivals", "14:00")
        await pilot.press("r")
        await settle(pilot)
        day = app.screen
        assert isinstance(day, DayViewScreen)
        assert text_of(app, "#day-date").startswith("Tue 24 Nov 2026 (today)")
        assert "Moving Bob Patient's visit on Tue 24 Nov 14:00" in text_of(app, "#day-moving")
        await highlight(pilot, "#day-slots", "16:00-16:30")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Move Bob Patient's visit on Tue 24 Nov 14:00 to Tue 24 Nov 16:00" in text_of(
            app, "#confirm-question")
        await pilot.press("y")
        await settle(pilot)

        moved = clinic.appointment(clinic.bob_1400)
        assert moved.status == "cancelled"  # the old visit ends, linked to the new one
        assert said(app, "Moved Bob Patient's visit on Tue 24 Nov 14:00 to Dr Henry Heart, "
                         "Tue 24 Nov 16:00")
        await pilot.press("escape")
        await home(pilot)
        assert ["16:00", "Bob Patient", "Dr Henry Heart", "Confirmed"] in rows(
            pilot, "#arrivals")
        assert "14:00" not in [r[0] for r in rows(pilot, "#arrivals")]


async def test_a_refused_check_in_says_why_and_reads_the_list_again(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """Too early (check-in opens 12 h before): not offered, and the key does nothing. And a
    visit cancelled at another desk whose hint never arrived: the refusal reads the list
    again, and the visit is gone."""
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        await highlight(pilot, "#arrivals", "23:30")
        assert "desk-check-in" not in binding_ids(app)
        await pilot.press("i")
        await settle(pilot)
        assert clinic.appointment(clinic.alice_2330).status == "confirmed"

        app.live.stop()  # the next change's hint is lost
        with db.unit_of_work() as uow:
            lifecycle.cancel(uow, actor=clinic.desk, appointment_id=clinic.alice_1030,
                             reason="Called to cancel")
        await highlight(pilot, "#arrivals", "10:30")  # still shown: nobody said
        await pilot.press("i")
        await settle(pilot)
        assert clinic.appointment(clinic.alice_1030).status == "cancelled"
        assert "10:30" not in [r[0] for r in rows(pilot, "#arrivals")]


async def test_a_booking_made_elsewhere_shows_on_the_home(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        assert await asyncio.to_thread(listening, app)
        with db.unit_of_work() as uow:
            booking.book(uow, actor=clinic.desk, slot_id=clinic.henry_1600,
                         patient_id=clinic.alice.user_id)
        await until(pilot, lambda: ["16:00", "Alice Patient", "Dr Henry Heart", "Confirmed"]
                    in rows(pilot, "#arrivals"))


def listening(app: DoctorbookApp) -> bool:
    listener = app.live.listener
    return listener is not None and listener.wait_listening(10.0)


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Wait (the app running) until `condition` holds; a generous deadline for busy CI."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < 10.0, "the change never showed"
        await pilot.pause(0.02)


async def test_hostile_patient_names_are_shown_literally(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    hostile = "Eve [bold]Evil[/bold] [/] \\[x]"
    with db.unit_of_work() as uow:
        eve = make_user(uow, email="eve@example.com", name=hostile)
        booking.book(uow, actor=clinic.desk, slot_id=clinic.henry_1600, patient_id=eve.user_id,
                     reason="[red]loud[/red]")
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        assert ["16:00", hostile, "Dr Henry Heart", "Confirmed"] in rows(pilot, "#arrivals")
        await highlight(pilot, "#arrivals", "16:00")
        await pilot.press("enter")
        await settle(pilot)
        assert said(app, f"{hostile}'s visit with Dr Henry Heart on Tue 24 Nov 16:00 "
                         "(Europe/Berlin): confirmed, reason: [red]loud[/red].")
        await pilot.press("p")
        await settle(pilot)
        await fill(pilot, "#patient-query", "eve@")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PatientAppointmentsScreen)
        assert text_of(app, "#patient-visits-title") == f"{hostile} · appointments"
        assert rows(pilot, "#patient-upcoming")[0][4] == "[red]loud[/red]"


# --- a patient's appointments ------------------------------------------------------------------


async def open_patient(pilot: Pilot[None], query: str) -> None:
    await pilot.press("p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PatientLookupScreen)
    await fill(pilot, "#patient-query", query)
    await settle(pilot)
    await pilot.press("enter")  # to the list ...
    await pilot.press("enter")  # ... and choose the patient
    await settle(pilot)


async def test_a_patients_appointments_with_the_same_actions_and_book_new(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        await open_patient(pilot, "alice")
        assert isinstance(app.screen, PatientAppointmentsScreen)
        assert text_of(app, "#patient-visits-title") == "Alice Patient · appointments"
        assert rows(pilot, "#patient-upcoming") == [
            ["Tue 24 Nov 2026", "10:30", "Dr Henry Heart", "Confirmed", "Chest pain"],
            ["Tue 24 Nov 2026", "23:30", "Dr Henry Heart", "Confirmed", ""],
            ["Wed 25 Nov 2026", "09:00", "Dr Henry Heart", "Confirmed", "Results"],
        ]
        assert rows(pilot, "#patient-past") == [
            ["Tue 24 Nov 2026", "08:00", "Dr Henry Heart", "Completed", "Blood test"],
        ]
        assert app.screen.query_one("#patient-upcoming", DataTable).has_focus

        # Check in on the first row, as on the home.
        assert {"desk-check-in", "desk-cancel", "desk-move", "book-new"} <= binding_ids(app)
        await pilot.press("i")
        await settle(pilot)
        assert clinic.appointment(clinic.alice_1030).status == "checked_in"
        assert rows(pilot, "#patient-upcoming")[0][3] == "Checked in"

        # The completed visit: nothing to do to it but book anew.
        await highlight(pilot, "#patient-past", "Tue 24 Nov 2026")
        ids = binding_ids(app)
        assert not ids & {"desk-check-in", "desk-cancel", "desk-move"}
        assert "book-new" in ids

        # b: the day view, booking for Alice.
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert "Booking for: Alice Patient <alice@example.com>" in text_of(app, "#day-patient")

        # The lookup opened from the day view still picks whom to book for.
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        await fill(pilot, "#patient-query", "bob")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert "Booking for: Bob Patient <bob@example.com>" in text_of(app, "#day-patient")

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientAppointmentsScreen)
        await pilot.press("escape")
        await home(pilot)


async def test_the_admin_home_has_the_arrivals_and_every_key(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AdminHomeScreen)
        assert text_of(app, "#arrivals-title").startswith("Administration · today's arrivals")
        assert rows(pilot, "#arrivals")[1:] == ARRIVALS
        await highlight(pilot, "#arrivals", "10:30")
        ids = binding_ids(app)
        assert {"desk-check-in", "desk-cancel-x", "desk-move", "specialties", "metrics",
                "doctors", "staff", "patients", "day-view", "search"} <= ids
        await pilot.press("x")  # c is the specialties here; x cancels
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("escape")
        await settle(pilot)
        assert clinic.appointment(clinic.alice_1030).status == "confirmed"

        # Every key is reachable: F1 lists those the key bar has no room for.
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        listed = " | ".join(" ".join(str(c) for c in row_values(
            app.screen.query_one("#help-keys", DataTable), i))
            for i in range(app.screen.query_one("#help-keys", DataTable).row_count))
        for entry in ("i Check in", "x Cancel", "Move", "m Metrics", "d Doctors", "t Staff",
                      "p Patients", "v Day view", "s Search"):
            assert entry in listed, listed
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MetricsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AdminHomeScreen)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DoctorsAdminScreen)


# --- at 80 columns -----------------------------------------------------------------------------


def key_bar(pilot: Pilot[None]) -> list[str]:
    """The keys on the key bar, each wholly inside 80 columns."""
    keys = list(pilot.app.screen.query(FooterKey))
    assert all(key.region.right <= SIZE[0] for key in keys), [
        (key.key, key.region) for key in keys]
    return [key.key for key in keys]


async def test_the_key_bars_fit_at_80_columns_and_f1_is_on_them(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    desk = app_for(settings, db, DESK)
    async with desk.run_test(size=SIZE) as pilot:
        await home(pilot)
        await highlight(pilot, "#arrivals", "10:30")
        assert {"i", "c", "r", "p", "f1"} <= set(key_bar(pilot))
        await open_patient(pilot, "alice")
        assert {"i", "c", "r", "b", "escape", "f1"} <= set(key_bar(pilot))
    admin = app_for(settings, db, ADMIN)
    async with admin.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await highlight(pilot, "#arrivals", "10:30")
        assert {"c", "j", "o", "a", "f1"} <= set(key_bar(pilot))


def test_desk_home_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await home(pilot)
        await highlight(pilot, "#arrivals", "10:30")
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, DESK), terminal_size=SIZE, run_before=run_before)


def test_admin_home_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await highlight(pilot, "#arrivals", "10:30")
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, ADMIN), terminal_size=SIZE, run_before=run_before)


def test_patient_appointments_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await home(pilot)
        await open_patient(pilot, "alice")
        assert isinstance(pilot.app.screen, PatientAppointmentsScreen)
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, DESK), terminal_size=SIZE, run_before=run_before)
