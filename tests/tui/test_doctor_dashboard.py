"""The doctor's dashboard (their home) and the appointment detail, driven with the pilot on the
real database: appointments booked through core, the clock at Tue 24 Nov 2026 10:00 Berlin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TextArea

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.booking.appointments import load_view
from doctorbook.core.doctors import doctors
from doctorbook.core.scheduling import schedule
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.note_form import NoteDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.appointment_detail import NO_NOTES, AppointmentDetailScreen
from doctorbook.tui.screens.doctor_dashboard import EMPTY
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, clinic
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    binding_ids,
    fill,
    logged_in_store,
    notifications,
    settle,
    steady_cursors,
)

__all__ = ["clinic"]  # the booking tests' clinic, here on the app's database

SnapCompare = Callable[..., bool]
DOCTOR = "house@clinic.example"
ACTION_KEYS = {
    "confirm-appointment", "cancel-appointment", "complete-appointment", "no-show", "add-note",
    "resend-confirmation",
}


@pytest.fixture
def uow(db: Database) -> Iterator[UnitOfWork]:
    """Core calls of the fixtures and tests commit to the database the app reads."""
    with db.unit_of_work() as unit:
        yield unit


def working_week(uow: UnitOfWork, doctor: Actor) -> None:
    """Mon-Fri 09:00-12:00 in Berlin, in 30-minute slots: the times booked below."""
    for day in ("mon", "tue", "wed", "thu", "fri"):
        schedule.add_rule(uow, actor=doctor, weekday=day, start="09:00", end="12:00",
                          slot_minutes=30)


def book(
    uow: UnitOfWork, clinic: Clinic, patient: Actor, starts_at: datetime, reason: str | None,
    *, doctor: Actor | None = None,
) -> int:
    """A slot of the doctor's at `starts_at`, booked by the patient; the appointment id."""
    slot = add_slot(uow, (doctor or clinic.doctor).user_id, starts_at)
    return booking.book(uow, actor=patient, slot_id=slot, reason=reason).id


def rows(app: DoctorbookApp) -> list[list[str]]:
    table: DataTable[object] = app.screen.query_one("#dashboard-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(app: DoctorbookApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def status_of(db: Database, appointment_id: int) -> str:
    with db.unit_of_work() as uow:
        return load_view(uow, appointment_id).status


@pytest.fixture
def visits(uow: UnitOfWork, clinic: Clinic) -> dict[str, int]:
    """Dr House confirms by hand; Alice and Bob have visits with him over the next days, one
    20 days away; Bob also sees Dr Wilson tomorrow."""
    doctors.update_profile(uow, actor=clinic.doctor, auto_confirm=False)
    working_week(uow, clinic.doctor)
    return {
        "alice_tomorrow": book(uow, clinic, clinic.alice, TOMORROW_10, "Back pain"),
        "bob_tomorrow": book(uow, clinic, clinic.bob, TOMORROW_10 + timedelta(minutes=30),
                             "Blood pressure check"),
        "bob_friday": book(uow, clinic, clinic.bob, IN_3_DAYS_10, None),
        "alice_later": book(uow, clinic, clinic.alice, IN_3_DAYS_10 + timedelta(days=17),
                            "Far away"),
        "wilson": book(uow, clinic, clinic.bob, TOMORROW_10 + timedelta(hours=2), "Oncology",
                       doctor=clinic.other_doctor),
    }


def doctor_app(settings: Settings, db: Database) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, DOCTOR, PASSWORD))


async def test_the_home_lists_the_next_14_days_grouped_by_day(
    settings: Settings, db: Database, visits: dict[str, int]
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen) is DoctorHomeScreen
        assert str(app.screen.query_one("#dashboard-title").render()) == (
            "Next 14 days · Tue 24 Nov to Mon 07 Dec · Europe/Berlin time"
        )
        # Wilson's patient and the visit 20 days away are not on Dr House's dashboard.
        assert rows(app) == [
            ["Tomorrow", "10:00-10:30", "Pending", "Alice Patient", "Back pain"],
            ["", "10:30-11:00", "Pending", "Bob Patient", "Blood pressure check"],
            ["Fri 27 Nov", "10:00-10:30", "Pending", "Bob Patient", ""],
        ]
        assert not app.screen.query_one("#dashboard-uncovered").display
        assert not app.screen.query_one("#dashboard-empty").display
        # The home's own keys stay, the appointment keys join them.
        offered = binding_ids(app)
        assert {"profile", "schedule", "search", "refresh", "open-appointment"} <= offered
        # No no-show before the visit has started.
        assert offered & ACTION_KEYS == {
            "confirm-appointment", "cancel-appointment", "add-note", "resend-confirmation",
        }


async def test_an_empty_dashboard_says_so(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert text_of(app, "#dashboard-empty") == EMPTY
        assert not app.screen.query_one("#dashboard-table").display
        assert not binding_ids(app) & ACTION_KEYS
        await pilot.press("c", "x", "o")  # nothing selected: nothing happens
        await settle(pilot)
        assert type(app.screen) is DoctorHomeScreen
        assert not notifications(app)


async def test_confirm_then_cancel_with_a_reason(
    settings: Settings, db: Database, visits: dict[str, int]
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert status_of(db, visits["alice_tomorrow"]) == "confirmed"
        assert rows(app)[0][2] == "Confirmed"
        assert ("information", "Confirmed: Alice Patient · Wed 25 Nov 10:00."
                " The patient gets an e-mail.") in notifications(app)
        # Confirmed: no second confirm; no complete before the desk checks the patient in.
        assert binding_ids(app) & ACTION_KEYS == {"cancel-appointment", "add-note",
                                                  "resend-confirmation"}

        # An empty reason is core's to refuse; the appointment stays.
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")
        await settle(pilot)
        assert any(
            severity == "error" and text.startswith("Give a reason when cancelling")
            for severity, text in notifications(app)
        )
        assert status_of(db, visits["alice_tomorrow"]) == "confirmed"

        await pilot.press("x")
        await pilot.pause()
        await fill(pilot, "#prompt-value", "Dr House is ill")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen) is DoctorHomeScreen
        with db.unit_of_work() as uow:
            cancelled = load_view(uow, visits["alice_tomorrow"])
        assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Dr House is ill")
        assert ("information", "Cancelled: Alice Patient · Wed 25 Nov 10:00."
                " The patient gets an e-mail.") in notifications(app)
        assert rows(app)[0] == ["Tomorrow", "10:00-10:30", "Cancelled", "Alice Patient",
                                "Back pain"]
        assert binding_ids(app) & ACTION_KEYS == {"add-note"}
        # The cursor stays on the appointment acted on; the next one is still pending.
        await pilot.press("down")
        assert "confirm-appointment" in binding_ids(app)


async def test_escape_leaves_the_cancel_dialog_without_cancelling(
    settings: Settings, db: Database, visits: dict[str, int]
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        await fill(pilot, "#prompt-value", "never mind")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen) is DoctorHomeScreen
        assert status_of(db, visits["alice_tomorrow"]) == "pending"
        assert not notifications(app)


async def test_no_show_is_offered_only_once_the_visit_has_started(
    settings: Settings, db: Database, visits: dict[str, int], clock: FixedClock
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "no-show" not in binding_ids(app)
        await pilot.press("n")  # tomorrow's visit: nobody has missed it yet
        await settle(pilot)
        assert type(app.screen) is DoctorHomeScreen
        assert not notifications(app)

        clock.advance(timedelta(days=1, minutes=10))  # Wed 25 Nov 10:10: Alice isn't here
        await pilot.press("f5")
        await settle(pilot)
        assert "no-show" in binding_ids(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert ("information", "Marked as a no-show: Alice Patient · Wed 25 Nov 10:00."
                ) in notifications(app)
        assert status_of(db, visits["alice_tomorrow"]) == "no_show"
        assert rows(app)[0][2] == "No show"


async def test_a_change_refused_after_someone_else_s_shows_the_visit_as_it_is_now(
    settings: Settings, db: Database, clinic: Clinic, visits: dict[str, int]
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert rows(app)[0][2] == "Pending"
        # Alice cancels while the doctor looks at the dashboard read before.
        with db.unit_of_work() as uow:
            lifecycle.cancel(uow, actor=clinic.alice, appointment_id=visits["alice_tomorrow"],
                             reason="Feeling better")
        await pilot.press("c")
        await settle(pilot)
        assert ("error", "Can't confirm the visit on Wed 25 Nov 10:00 (Europe/Berlin) with Dr "
                "Gregory House: it is cancelled; only a pending appointment can be confirmed"
                ) in notifications(app)
        assert status_of(db, visits["alice_tomorrow"]) == "cancelled"
        assert rows(app)[0][2] == "Cancelled"
        assert binding_ids(app) & ACTION_KEYS == {"add-note"}


async def test_the_detail_shows_the_visit_and_takes_a_note(
    settings: Settings, db: Database, clinic: Clinic, visits: dict[str, int]
) -> None:
    app = doctor_app(settings, db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # Bob, tomorrow 10:30
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AppointmentDetailScreen)
        assert screen.appointment_id == visits["bob_tomorrow"]
        assert text_of(app, "#appointment-title") == (
            "Wed 25 Nov 2026 · 10:30-11:00 · Europe/Berlin time"
        )
        assert text_of(app, "#appointment-patient") == "Bob Patient"
        assert text_of(app, "#appointment-contact") == "bob@example.com"
        assert text_of(app, "#appointment-status") == "Pending"
        assert text_of(app, "#appointment-reason") == "Blood pressure check"
        assert not app.screen.query_one("#appointment-cancelled").display
        assert text_of(app, "#appointment-notes") == NO_NOTES

        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        area = app.screen.query_one("#note-text", TextArea)
        area.load_text("BP 150/95 last week.\nRecheck after two weeks of treatment.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert text_of(app, "#notes-title") == "Private notes (1)"
        assert text_of(app, "#appointment-notes") == (
            "Tue 24 Nov 2026 10:00\nBP 150/95 last week.\nRecheck after two weeks of treatment."
        )
        assert ("information", "Note added: Bob Patient · Wed 25 Nov 10:30.") in (
            notifications(app)
        )

        # An empty note is refused by core.
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ("error", "The note is empty") in notifications(app)

        # The same keys as on the dashboard; back there, what was done shows.
        await pilot.press("c")
        await settle(pilot)
        assert text_of(app, "#appointment-status") == "Confirmed"
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen) is DoctorHomeScreen
        assert rows(app)[1][2] == "Confirmed"


async def test_the_dashboard_marks_visits_the_schedule_no_longer_covers(
    settings: Settings, db: Database, clinic: Clinic, visits: dict[str, int]
) -> None:
    with db.unit_of_work() as uow:
        schedule.add_exception(uow, actor=clinic.doctor, on="2026-11-27", kind="off",
                               reason="Conference")
    app = doctor_app(settings, db)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert [row[0] for row in rows(app)] == ["", "", "!"]
        assert text_of(app, "#dashboard-uncovered") == (
            "! Fri 27 Nov 10:00 is outside your schedule now (day off: Conference): cancel it,"
            " or ask the desk to move it."
        )
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AppointmentDetailScreen)
        assert text_of(app, "#appointment-uncovered") == (
            "! Outside your schedule now: day off: Conference."
        )


async def test_another_doctor_never_sees_house_s_patients(
    settings: Settings, db: Database, visits: dict[str, int]
) -> None:
    app = make_app(settings=settings, db=db,
                   store=logged_in_store(db, "wilson@clinic.example", PASSWORD))
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        # Wilson has no weekly hours, so the slot booked with him is marked as uncovered.
        assert rows(app) == [["!", "Tomorrow", "12:00-12:30", "Confirmed", "Bob Patient",
                              "Oncology"]]


# --- snapshots --------------------------------------------------------------------------------


@pytest.fixture
def busy_fortnight(uow: UnitOfWork, clinic: Clinic) -> dict[str, int]:
    """Dr House's next two weeks, in every status, one visit on a day he has taken off."""
    doctors.update_profile(uow, actor=clinic.doctor, auto_confirm=False)
    working_week(uow, clinic.doctor)
    carla = make_user(uow, email="carla@example.com", name="Carla Maria Montenegro-Vasconcelos")
    dan = make_user(uow, email="dan@example.com", name="Dan Dare")
    ids = {
        "alice": book(uow, clinic, clinic.alice, TOMORROW_10, "Back pain since Sunday"),
        "bob": book(uow, clinic, clinic.bob, TOMORROW_10 + timedelta(minutes=30),
                    "Follow-up on the blood pressure results from last month"),
        "carla": book(uow, clinic, carla, TOMORROW_10 + timedelta(hours=1), "Check-up"),
        "dan": book(uow, clinic, dan, IN_3_DAYS_10, None),
        "alice_2": book(uow, clinic, clinic.alice, IN_3_DAYS_10 + timedelta(days=4, hours=-1),
                        "Results"),
        "bob_2": book(uow, clinic, clinic.bob, IN_3_DAYS_10 + timedelta(days=6, hours=1),
                      "Vaccination"),
        "carla_2": book(uow, clinic, carla, IN_3_DAYS_10 + timedelta(days=10), "Check-up"),
    }
    for key in ("bob", "dan", "alice_2"):
        lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=ids[key],
                                action="confirm")
    lifecycle.cancel(uow, actor=clinic.doctor, appointment_id=ids["bob_2"],
                     reason="Vaccine not delivered")
    schedule.add_exception(uow, actor=clinic.doctor, on="2026-12-01", kind="off",
                           reason="Conference")
    lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=ids["bob"],
                       text="BP 150/95 at the pharmacy.\nAsk about salt and sleep.")
    lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=ids["bob"],
                       text="Bring the home readings next time.")
    return ids


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_dashboard_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database,
    busy_fortnight: dict[str, int], size: tuple[int, int],
) -> None:
    async def loaded(pilot: Pilot[None]) -> None:
        await settle(pilot)
        assert type(pilot.app.screen) is DoctorHomeScreen

    assert snap_compare(doctor_app(settings, db), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_appointment_detail_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database,
    busy_fortnight: dict[str, int], size: tuple[int, int],
) -> None:
    async def open_bob(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AppointmentDetailScreen)

    assert snap_compare(doctor_app(settings, db), terminal_size=size, run_before=open_bob)


def test_note_dialog_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database,
    busy_fortnight: dict[str, int],
) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        area = pilot.app.screen.query_one("#note-text", TextArea)
        area.load_text("Prescribed ")
        area.move_cursor(area.document.end)
        await steady_cursors(pilot)

    assert snap_compare(doctor_app(settings, db), terminal_size=(80, 24),
                        run_before=open_dialog)
