"""The desk's keystroke budget (issue 13, item 10), counted from the desk's home of a fresh desk
(nothing remembered): a phone booking of a named doctor's next free slot in <= 10 keys (typing
the patient's name counts), the earliest slot of a specialty in <= 12, checking in an arriving
patient in <= 4. Every key goes through `Keys`; `pytest -s` prints the counts.

The clock reads Tue 24 Nov 2026 09:00Z, 10:00 in Berlin, where every doctor works.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import Appointment
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking
from doctorbook.core.booking.earliest import earliest_for_specialty
from doctorbook.core.scheduling.dayview import next_open_slot
from doctorbook.tui.dialogs.book_for_patient import BookForPatientDialog
from doctorbook.tui.memory import FILE_NAME
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import make_user
from tests.search.conftest import add_slot
from tests.tui.conftest import (
    add_specialties,
    app_for,
    make_admin,
    make_doctor,
    no_crash,
    row_values,
    said,
    settle,
    steady_cursors,
    text_of,
)

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
DESK = "rita@example.com"
#: Issue 13's budgets, in key presses from the desk's home.
NAMED_DOCTOR_BUDGET = 10
SPECIALTY_BUDGET = 12
CHECK_IN_BUDGET = 4

pytestmark = pytest.mark.usefixtures("utc")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 wall-clock time in Berlin (UTC+1 then), as an instant."""
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)


class Clinic:
    """Dr Adam Apfel (Allergology: first by name and by specialty, so a fresh desk lands on
    him), Dr Gina General (General practice: today is full, her next free slot is Thursday
    09:00), Dr Henry Heart and Dr Carl Cardio (Cardiology: Henry's 16:00 today is the
    specialty's earliest, Carl's is tomorrow). Patients Petra Patient and Peter Pan; Alice
    (10:30 with Henry), Bob (11:00 with Adam) and Petra (11:30 with Gina) arrive today."""

    def __init__(self, db: Database) -> None:
        self.db = db
        admin = make_admin(db)
        add_specialties(db, admin, "Allergology", "Cardiology", "General practice")
        self.admin = admin
        self.adam = make_doctor(db, admin, email="adam@example.com", name="Adam Apfel",
                                specialty_names=("Allergology",))
        self.gina = make_doctor(db, admin, email="gina@example.com", name="Gina General",
                                specialty_names=("General practice",))
        self.henry = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                                 specialty_names=("Cardiology",))
        self.carl = make_doctor(db, admin, email="carl@example.com", name="Carl Cardio",
                                specialty_names=("Cardiology",))
        with db.unit_of_work() as uow:
            self.petra = make_user(uow, email="petra@example.com", name="Petra Patient")
            self.peter = make_user(uow, email="peter@example.com", name="Peter Pan")
            self.alice = make_user(uow, email="alice@example.com", name="Alice Patient")
            self.bob = make_user(uow, email="bob@example.com", name="Bob Patient")
            self.desk = make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)
        # Open today at Adam's (where a fresh day view lands: the wrong doctor to book).
        self.slots(self.adam, berlin(24, 15), berlin(25, 9))
        # Gina's day is full; her next free slot is Thursday 09:00 (then 09:30).
        self.petra_1130 = self.book(self.gina, berlin(24, 11, 30), self.petra)
        self.book(self.gina, berlin(24, 16), self.peter)
        self.slots(self.gina, berlin(26, 9), berlin(26, 9, 30), berlin(27, 9))
        # Cardiology: Henry at 16:00 today is the earliest; Carl's first is tomorrow.
        self.slots(self.henry, berlin(24, 16), berlin(25, 10))
        self.slots(self.carl, berlin(25, 8), berlin(25, 8, 30))
        # Today's other arrivals, before Petra's.
        self.book(self.henry, berlin(24, 10, 30), self.alice)
        self.book(self.adam, berlin(24, 11), self.bob)

    def slots(self, doctor: int, *starts: datetime) -> list[int]:
        with self.db.unit_of_work() as uow:
            return [add_slot(uow, doctor, start) for start in starts]

    def book(self, doctor: int, start: datetime, patient: Actor) -> int:
        [slot_id] = self.slots(doctor, start)
        with self.db.unit_of_work() as uow:
            return booking.book(uow, actor=self.desk, slot_id=slot_id,
                                patient_id=patient.user_id, override_policy=True).id

    def appointments_of(self, patient: Actor) -> list[Appointment]:
        with self.db.unit_of_work() as uow:
            found = list(uow.session.query(Appointment).filter(
                Appointment.patient_id == patient.user_id).order_by(Appointment.id))
            uow.session.expunge_all()
            return found


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)


class Keys:
    """Presses keys in the app and counts them: the one way the budget tests press a key."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.count = 0

    async def __call__(self, *keys: str) -> None:
        """Press `keys` in turn, then wait for the app: a key's name ("enter", "down") is one
        press, anything else is typed a letter a press ("Petra": 5)."""
        for key in keys:
            for press in [key] if key in NAMED else list(key):
                self.count += 1
                await self.pilot.press(press)
            await self.pilot.pause()
        await settle(self.pilot)

    def report(self, what: str, budget: int) -> None:
        print(f"\nkeystrokes: {what}: {self.count} (budget {budget})")


#: Keys pressed by name (anything else is typed letter by letter).
NAMED = frozenset({"enter", "escape", "down", "up", "tab", "left", "right"})


async def fresh_desk_home(pilot: Pilot[None], settings: Settings) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, StaffHomeScreen)
    assert not (settings.config_dir / FILE_NAME).exists()  # nothing remembered


def day_slot_key(pilot: Pilot[None]) -> str:
    table: DataTable[str] = pilot.app.screen.query_one("#day-slots", DataTable)
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_petra_gets_the_next_free_slot_with_dr_general_within_ten_keys(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """"Petra here, the next free slot with Dr General": n (which doctor?), g (jumps to Dr
    Gina General), Enter (her next free slot, Thursday), Enter (book it), Petra, Enter."""
    with db.unit_of_work() as uow:
        expected = next_open_slot(uow, actor=clinic.desk, doctor_id=clinic.gina)
    assert expected is not None and expected.starts_at.day == 26  # not today: her day is full
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        keys = Keys(pilot)
        await keys("n")
        assert isinstance(app.screen, DayViewScreen)  # the picker is open, on Dr Adam Apfel
        await keys("g", "enter")
        assert isinstance(app.screen, DayViewScreen) and app.screen.doctor_id == clinic.gina
        assert text_of(app, "#day-date").startswith("Thu 26 Nov 2026")
        assert day_slot_key(pilot) == str(expected.slot_id)  # the cursor on it
        await keys("enter")
        assert isinstance(app.screen, BookForPatientDialog)
        await keys("Petra")
        assert "Petra Patient" in str(row_values(app.screen.query_one("#book-matches",
                                                                       DataTable), 0))
        await keys("enter")
        keys.report("named doctor's next free slot", NAMED_DOCTOR_BUDGET)
        assert keys.count <= NAMED_DOCTOR_BUDGET
        assert isinstance(app.screen, DayViewScreen)
        assert said(app, "Booked: Petra Patient with Dr Gina General, Thu 26 Nov 09:00")
        booked = clinic.appointments_of(clinic.petra)[-1]
        assert (booked.slot_id, booked.doctor_id, booked.status) == (
            expected.slot_id, clinic.gina, "confirmed")
        assert "Booking for: Petra Patient" in text_of(app, "#day-patient")
        no_crash(app)


async def test_the_earliest_cardiologist_for_petra_within_twelve_keys(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """"Any cardiologist, the earliest": f (which specialty?), c (Cardiology), Enter (its
    earliest slots: Henry's 16:00 first), Enter (to it in the day view), Enter (book),
    Petra, Enter."""
    with db.unit_of_work() as uow:
        [first, *_] = earliest_for_specialty(uow, actor=clinic.desk, specialty="Cardiology")
    assert first.doctor_id == clinic.henry
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        keys = Keys(pilot)
        await keys("f", "c", "enter")
        await keys("enter")
        assert isinstance(app.screen, DayViewScreen) and app.screen.doctor_id == clinic.henry
        assert day_slot_key(pilot) == str(first.slot_id)
        await keys("enter", "Petra", "enter")
        keys.report("earliest slot of a specialty", SPECIALTY_BUDGET)
        assert keys.count <= SPECIALTY_BUDGET
        booked = clinic.appointments_of(clinic.petra)[-1]
        assert (booked.slot_id, booked.doctor_id) == (first.slot_id, clinic.henry)
        assert said(app, "Booked: Petra Patient with Dr Henry Heart, Tue 24 Nov 16:00")
        no_crash(app)


async def test_petra_is_checked_in_from_the_home_within_four_keys(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """Petra arrives for 11:30, the third of today's arrivals: down, down, i."""
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        table: DataTable[str] = app.screen.query_one("#arrivals", DataTable)
        assert [row_values(table, i)[:2] for i in range(table.row_count)] == [
            ["10:30", "Alice Patient"], ["11:00", "Bob Patient"], ["11:30", "Petra Patient"],
            ["16:00", "Peter Pan"]]
        keys = Keys(pilot)
        await keys("down", "down", "i")
        keys.report("check in an arriving patient", CHECK_IN_BUDGET)
        assert keys.count <= CHECK_IN_BUDGET
        [visit, *_] = clinic.appointments_of(clinic.petra)
        assert (visit.id, visit.status) == (clinic.petra_1130, "checked_in")
        assert row_values(table, 2)[3] == "Checked in"
        no_crash(app)


# --- the booking dialog's patient field ---------------------------------------------------------


async def test_enter_typed_before_the_matches_arrive_books_for_what_was_typed(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """Typed fast: Enter before the search for "Petra" answered waits for it, then books for
    Petra (never for whoever matched "Pet" first: Peter Pan); ↓ picks another match."""
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen) and app.screen.doctor_id == clinic.adam
        await pilot.press("enter")  # Adam's 15:00 today
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BookForPatientDialog)
        await pilot.press("P", "e", "t")
        await settle(pilot)
        names = dialog.query_one("#book-matches", DataTable)
        assert [row_values(names, i)[0] for i in range(names.row_count)] == [
            "Peter Pan", "Petra Patient"]
        await pilot.press("r", "a", "enter")  # no pause: the search is still on its way
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert [a.doctor_id for a in clinic.appointments_of(clinic.petra)][-1] == clinic.adam
        assert clinic.appointments_of(clinic.peter)[-1].doctor_id == clinic.gina  # unchanged
        no_crash(app)


async def test_down_chooses_another_match(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("enter")  # Adam's 15:00 today
        await settle(pilot)
        await pilot.press("p", "e", "t")
        await settle(pilot)
        await pilot.press("down", "enter")  # Petra, under Peter Pan
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert clinic.appointments_of(clinic.petra)[-1].doctor_id == clinic.adam
        no_crash(app)


async def test_the_patient_field_takes_hostile_text_literally(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="mal@example.com", name="[b]Mal[/b] :smile: [red]x")
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BookForPatientDialog)
        field = dialog.query_one("#book-patient", Input)
        field.value = "[b]"
        await settle(pilot)
        names = dialog.query_one("#book-matches", DataTable)
        assert row_values(names, 0)[0] == "[b]Mal[/b] :smile: [red]x"
        # A control character: core refuses the query, the dialog says why, books nobody.
        field.value = "x\x1b[2J"
        await settle(pilot)
        assert field.value == "x[2J"  # the field never holds the escape
        field.value = "zzz" * 200  # longer than core's search text: refused, said
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookForPatientDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DayViewScreen)
        assert app.screen.patient is None  # nobody was chosen, nothing booked
        no_crash(app)


async def test_escape_in_the_picker_shows_the_shown_doctors_next_free_slot(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await fresh_desk_home(pilot, settings)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DayViewScreen) and screen.doctor_id == clinic.adam
        assert text_of(app, "#day-date").startswith("Tue 24 Nov 2026")
        assert screen.highlighted is not None
        assert screen.highlighted.starts_at == berlin(24, 15)
        no_crash(app)


def test_booking_dialog_with_the_patient_field_fits_80x24(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic
) -> None:
    """The tallest it gets: a short-notice slot (Dr Zoe Zeal, today 11:00) and "P" typed (every
    patient matches: three shown). The facts, the note, the matches, the reason field, the
    buttons and the key line all fit."""
    zoe = make_doctor(db, clinic.admin, email="zoe@example.com", name="Zoe Zeal",
                      specialty_names=("Allergology",))
    clinic.slots(zoe, berlin(24, 11))

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("n", "z", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BookForPatientDialog)
        await pilot.press("P")
        await settle(pilot)
        await steady_cursors(pilot)
        screen = pilot.app.screen
        assert "Short notice" in text_of(pilot.app, "#book-note")
        assert "the first 3 shown" in text_of(pilot.app, "#book-match-status")
        assert screen.query_one("#book-cancel").region.bottom <= SIZE[1] - 1  # above the keys

    assert snap_compare(app_for(settings, db, DESK), terminal_size=SIZE, run_before=run_before)
