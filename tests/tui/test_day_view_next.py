"""The day view finds slots (issue 13): n jumps to the next free slot, g takes "tomorrow", "fri"
or "+3", e lists the earliest slot per doctor of a specialty; the picker names specialties and
cities; the day opens on the first free slot, on the doctor and day this user looked at last."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from textual.pilot import Pilot
from textual.widgets import DataTable, Select
from textual.widgets._select import SelectOverlay

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking
from doctorbook.tui.app import DoctorbookApp
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.memory import FILE_NAME
from doctorbook.tui.screens.day_view import DayViewScreen
from doctorbook.tui.screens.earliest import EarliestScreen
from tests.conftest import make_user
from tests.search.conftest import add_slot
from tests.tui.conftest import (
    add_specialties,
    app_for,
    fill,
    make_admin,
    make_doctor,
    no_crash,
    notifications,
    row_values,
    said,
    settle,
    text_of,
)

SnapCompare = Callable[..., bool]
SIZE = (80, 24)
# The clock reads Tue 24 Nov 2026 09:00Z, 10:00 in Berlin; lead time 2 h.
TODAY_1400 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
FRI_1600 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
MON_0900 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DESK = "rita@example.com"


class Clinic:
    """Dr Gina General (General practice, Hamburg) and Dr Henry Heart (Cardiology, Berlin),
    the desk, an admin and Alice, a patient."""

    def __init__(self, db: Database) -> None:
        self.db = db
        admin = make_admin(db)
        add_specialties(db, admin, "Cardiology", "General practice")
        self.admin = admin
        self.gina = make_doctor(db, admin, email="gina@example.com", name="Gina General",
                                specialty_names=("General practice",), city="Hamburg",
                                clinic="Harbour Clinic")
        self.henry = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                                 specialty_names=("Cardiology",))
        with db.unit_of_work() as uow:
            self.alice = make_user(uow, email="alice@example.com", name="Alice Patient")
            make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)

    def slots(self, doctor: int, *starts: datetime) -> list[int]:
        with self.db.unit_of_work() as uow:
            return [add_slot(uow, doctor, start) for start in starts]

    def book(self, patient: Actor, slot_id: int) -> None:
        with self.db.unit_of_work() as uow:
            booking.book(uow, actor=patient, slot_id=slot_id)


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)


#: Times shown in the terminal's local zone read the same on every machine (conftest).
pytestmark = pytest.mark.usefixtures("utc")


def rows(app: DoctorbookApp) -> list[list[object]]:
    table: DataTable[object] = app.screen.query_one("#day-slots", DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


def cursor(app: DoctorbookApp) -> int:
    return int(app.screen.query_one("#day-slots", DataTable).cursor_row)


def date_line(app: DoctorbookApp) -> str:
    return text_of(app, "#day-date").split("\n", 1)[0]


async def open_day_view(pilot: Pilot[None]) -> DayViewScreen:
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DayViewScreen)
    return screen


async def pick_doctor(pilot: Pilot[None], doctor_id: int) -> None:
    pilot.app.screen.query_one("#day-doctor", Select).value = doctor_id
    await settle(pilot)


async def go_to(pilot: Pilot[None], text: str) -> None:
    await pilot.press("g")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TextPrompt)
    await fill(pilot, "#prompt-value", text)
    await pilot.press("enter")
    await settle(pilot)


async def test_n_jumps_across_the_weekend_to_the_next_free_slot(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """Friday's only slot is booked; the weekend has none: n goes to Monday 09:00, n again to
    09:30, and then says there is no other."""
    [friday] = clinic.slots(clinic.gina, FRI_1600)
    clinic.book(clinic.alice, friday)
    clinic.slots(clinic.gina, MON_0900, MON_0900 + timedelta(minutes=30))
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        assert date_line(app) == "Tue 24 Nov 2026 (today)"  # Gina's (first by name) today
        await go_to(pilot, "fri")
        assert date_line(app) == "Fri 27 Nov 2026"
        assert [r[1:3] for r in rows(app)] == [["Alice Patient", "Confirmed"]]

        await pilot.press("n")
        await settle(pilot)
        assert date_line(app) == "Mon 30 Nov 2026"
        assert [r[0] for r in rows(app)] == ["09:00-09:30", "09:30-10:00"]
        assert cursor(app) == 0
        assert app.screen.query_one("#day-slots", DataTable).has_focus
        await pilot.press("n")  # on the slot n found: the one after it
        await settle(pilot)
        assert cursor(app) == 1
        await pilot.press("n")
        await settle(pilot)
        assert said(app, "Dr Gina General has no free slot after that one in the next 60 days.")
        assert cursor(app) == 1 and date_line(app) == "Mon 30 Nov 2026"

        # From somewhere else, n starts from now again.
        await go_to(pilot, "2027-01-05")
        await pilot.press("n")
        await settle(pilot)
        assert date_line(app) == "Mon 30 Nov 2026" and cursor(app) == 0
        no_crash(app)


async def test_n_says_so_when_the_doctor_has_nothing_free(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert said(app, "Dr Gina General has no free slot in the next 60 days.")
        assert date_line(app) == "Tue 24 Nov 2026 (today)"


async def test_g_takes_the_words_the_desk_uses(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        await pilot.press("g")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert prompt.label == "Date: today, tomorrow, mon…sun, +3, 2026-12-24"
        await pilot.press("escape")
        await pilot.pause()
        for typed, shown in (("tomorrow", "Wed 25 Nov 2026"), ("+3", "Fri 27 Nov 2026"),
                             ("  TUE ", "Tue 24 Nov 2026 (today)"), ("fri", "Fri 27 Nov 2026"),
                             ("-1", "Mon 23 Nov 2026"), ("2026-12-24", "Thu 24 Dec 2026")):
            await go_to(pilot, typed)
            assert date_line(app) == shown, typed
        await go_to(pilot, "garbage")
        assert ("error", "Not a date: 'garbage'; write today, tomorrow, yesterday, mon…sun, "
                "+3, -1 or YYYY-MM-DD.") in notifications(app)
        assert date_line(app) == "Thu 24 Dec 2026"  # nothing else changed
        assert isinstance(app.screen, DayViewScreen)
        no_crash(app)


async def test_the_day_opens_on_its_first_free_slot_with_the_table_focused(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    two, _, _ = clinic.slots(clinic.henry, *(TODAY_1400 + timedelta(minutes=30 * i)
                                               for i in range(3)))
    clinic.book(clinic.alice, two)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        await pick_doctor(pilot, clinic.henry)
        assert [r[:3] for r in rows(app)] == [
            ["14:00-14:30", "Alice Patient", "Confirmed"], ["14:30-15:00", "—", "Open"],
            ["15:00-15:30", "—", "Open"]]
        assert cursor(app) == 1
        assert app.screen.query_one("#day-slots", DataTable).has_focus
        await pilot.press("down")
        await pilot.press("right_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert cursor(app) == 1  # a day gone back to is placed again: its first free slot
        # Where the user moved to stays when the same day is read again (after a check-in).
        await pilot.press("up", "i")
        await settle(pilot)
        assert rows(app)[0][2] == "Checked in"
        assert cursor(app) == 0


async def test_the_day_view_remembers_the_doctor_and_day_per_user(
    settings: Settings, db: Database, clinic: Clinic, clock: FixedClock
) -> None:
    async with app_for(settings, db, DESK).run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        await pick_doctor(pilot, clinic.henry)
        await go_to(pilot, "+3")
    path = Path(settings.config_dir) / FILE_NAME
    assert os.stat(path).st_mode & 0o777 == 0o600

    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_day_view(pilot)
        assert screen.doctor_id == clinic.henry
        assert date_line(app) == "Fri 27 Nov 2026"
        assert str(app.screen.query_one("#day-doctor", Select).value) == str(clinic.henry)

    # Another user has a memory of their own: the admin starts on the first doctor, today.
    admin = app_for(settings, db, clinic.admin.email or "")
    async with admin.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        opened = admin.screen
        assert isinstance(opened, DayViewScreen) and opened.doctor_id == clinic.gina
        assert date_line(admin) == "Tue 24 Nov 2026 (today)"

    # Once that Friday is over, the doctor is still remembered, the day is today.
    clock.advance(timedelta(days=4))
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_day_view(pilot)
        assert screen.doctor_id == clinic.henry
        assert date_line(app) == "Sat 28 Nov 2026 (today)"

    # A damaged file is as good as none.
    path.write_text('{"not": [what, we wrote', encoding="utf-8")
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_day_view(pilot)
        assert screen.doctor_id == clinic.gina
        no_crash(app)
    assert json.loads(path.read_text(encoding="utf-8"))  # and written anew


async def test_e_lists_the_earliest_per_doctor_and_enter_goes_there(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    clinic.slots(clinic.gina, FRI_1600)
    late, early = clinic.slots(clinic.henry, MON_0900 + timedelta(hours=1), MON_0900)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EarliestScreen)
        # It starts on the day view's doctor's specialty.
        assert screen.query_one("#earliest-specialty", Select).value == "General practice"
        table: DataTable[object] = screen.query_one("#earliest-table", DataTable)
        assert [row_values(table, i) for i in range(table.row_count)] == [
            ["Fri 27 Nov 16:00 (Europe/Berlin)", "Dr Gina General", "Harbour Clinic, Hamburg"]]
        screen.query_one("#earliest-specialty", Select).value = "Cardiology"
        await settle(pilot)
        assert [row_values(table, i) for i in range(table.row_count)] == [
            ["Mon 30 Nov 09:00 (Europe/Berlin)", "Dr Henry Heart", "Central Clinic, Berlin"]]
        assert table.has_focus
        await pilot.press("enter")
        await settle(pilot)
        day = app.screen
        assert isinstance(day, DayViewScreen) and day.doctor_id == clinic.henry
        assert str(day.query_one("#day-doctor", Select).value) == str(clinic.henry)
        assert date_line(app) == "Mon 30 Nov 2026"
        assert day.highlighted is not None and day.highlighted.slot_id == early
        assert late != early
        # Escape leaves the day view as it was.
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is day and date_line(app) == "Mon 30 Nov 2026"
        no_crash(app)


async def test_the_picker_names_specialty_and_city_literally_and_jumps_as_you_type(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    zed = make_doctor(db, clinic.admin, email="zed@example.com", name="Zed [b]x[/b] :smile:",
                      specialty_names=("Cardiology",), city="[red]Split[/red]")
    with db.unit_of_work() as uow:
        # Written past core's checks, as an old row might be: an escape code in the name.
        uow.session.execute(update(User).where(User.id == zed)
                            .values(name="Zed [b]x[/b] :smile:\x1b[31m"))
        uow.commit()
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_day_view(pilot)
        select: Select[int] = app.screen.query_one("#day-doctor", Select)
        overlay = select.query_one(SelectOverlay)
        assert [str(o.prompt) for o in overlay.options][1:] == [  # after the blank line
            "Dr Gina General — General practice, Hamburg",
            "Dr Henry Heart — Cardiology, Berlin",
            "Dr Zed [b]x[/b] :smile:\ufffd[31m — Cardiology, [red]Split[/red]",
        ]
        select.focus()
        await pilot.press("enter")  # open the list
        await pilot.pause()
        await pilot.press("x")  # only Zed's line has an x
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DayViewScreen) and screen.doctor_id == zed
        assert "[red]Split[/red]" not in text_of(app, "#day-date")  # the clinic's line
        no_crash(app)


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_day_view_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, clinic: Clinic,
    size: tuple[int, int],
) -> None:
    """Henry's day: a visit, then the cursor on the first free slot; the key line fits."""
    two, _, _ = clinic.slots(clinic.henry, *(TODAY_1400 + timedelta(minutes=30 * i)
                                               for i in range(3)))
    clinic.book(clinic.alice, two)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_day_view(pilot)
        await pick_doctor(pilot, clinic.henry)

    assert snap_compare(app_for(settings, db, DESK), terminal_size=size, run_before=run_before)
