"""The doctor's schedule editor on the real database: rules, exceptions, slots; snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from sqlalchemy import func, select, update
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import AvailabilitySlot
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.scheduling import schedule
from doctorbook.core.scheduling.schedule import ScheduleView
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.exception_form import ExceptionDialog
from doctorbook.tui.dialogs.rule_form import RuleDialog
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.schedule_editor import NO_RULES, ScheduleEditorScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import (
    add_specialties,
    binding_ids,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    row_values,
    settle,
    steady_cursors,
)

SIZE = (80, 24)
EMAIL = "henry@example.com"
SnapCompare = Callable[..., bool]
AFTER_EDIT = "Press g to update your open slots."


def henry(db: Database) -> Actor:
    """A visible doctor in Berlin (30-minute slots); the clock says Tue 24 Nov 2026, 10:00."""
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology")
    doctor_id = make_doctor(db, admin, email=EMAIL, name="Henry Heart",
                            specialty_names=("Cardiology",))
    return Actor(doctor_id, Role.DOCTOR, EMAIL)


def editor_app(settings: Settings, db: Database) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, EMAIL, PASSWORD))


def stored(db: Database, doctor: Actor) -> ScheduleView:
    with db.unit_of_work() as uow:
        return schedule.show_schedule(uow, actor=doctor)


def open_slots(db: Database, doctor: Actor) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(AvailabilitySlot).where(
                AvailabilitySlot.doctor_id == doctor.user_id, AvailabilitySlot.status == "open")
        ) or 0


def rows(pilot: Pilot[None], selector: str) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def open_editor(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, DoctorHomeScreen)
    assert "schedule" in binding_ids(pilot.app)
    await pilot.press("w")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ScheduleEditorScreen)


async def test_add_a_rule_through_the_dialog(settings: Settings, db: Database) -> None:
    doctor = henry(db)
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        assert text_of(pilot, "#rules-empty") == NO_RULES
        assert not app.screen.query_one("#rules-table", DataTable).display
        assert "remove-schedule-entry" not in binding_ids(app)

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, RuleDialog)
        assert app.screen.query_one("#rule-slot", Input).value == "30"  # the doctor's default
        # Keyboard only: open the weekday list, go down to Wednesday, then field by field.
        await pilot.press("enter", "down", "down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#rule-weekday", Select).value == 2
        await pilot.press("tab", *"09:00", "enter", *"12:00", "enter", "enter", "enter")
        await pilot.press("enter")  # in the last field: add
        await settle(pilot)

        assert isinstance(app.screen, ScheduleEditorScreen)
        assert rows(pilot, "#rules-table") == [["Wednesday", "09:00-12:00", "30 min", "—", "—"]]
        assert ("information", f"Added Wednesday 09:00-12:00. {AFTER_EDIT}") in notifications(
            app)
        assert "remove-schedule-entry" in binding_ids(app)

    [rule] = stored(db, doctor).rules
    assert (rule.weekday, rule.start_time, rule.end_time, rule.slot_minutes) == (
        2, time(9), time(12), 30)
    assert rule.valid_from is None and rule.valid_until is None


async def test_add_a_day_off(settings: Settings, db: Database) -> None:
    doctor = henry(db)
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExceptionDialog)
        # A day off has no hours: their fields are skipped.
        assert app.screen.query_one("#exception-start", Input).disabled
        await pilot.press(*"2026-12-07", "enter", "tab", *"Medical conference", "enter")
        await settle(pilot)

        assert isinstance(app.screen, ScheduleEditorScreen)
        assert rows(pilot, "#exceptions-table") == [
            ["Mon 2026-12-07", "Day off", "—", "Medical conference"]
        ]
        assert (
            "information", f"Added a day off on Mon 2026-12-07. {AFTER_EDIT}"
        ) in notifications(app)

    [exc] = stored(db, doctor).exceptions
    assert (exc.date, exc.kind, exc.start_time, exc.reason) == (
        date(2026, 12, 7), "off", None, "Medical conference")


async def test_add_extra_hours(settings: Settings, db: Database) -> None:
    doctor = henry(db)
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("x")
        await pilot.pause()
        await fill(pilot, "#exception-date", "2026-11-28")
        app.screen.query_one("#exception-kind", Select).value = "extra"
        await pilot.pause()
        assert not app.screen.query_one("#exception-start", Input).disabled
        await fill(pilot, "#exception-start", "14:00")
        await fill(pilot, "#exception-end", "16:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(pilot, "#exceptions-table") == [
            ["Sat 2026-11-28", "Extra hours", "14:00-16:00", ""]
        ]

    [exc] = stored(db, doctor).exceptions
    assert (exc.kind, exc.start_time, exc.end_time) == ("extra", time(14), time(16))


async def test_remove_a_rule_and_an_exception(settings: Settings, db: Database) -> None:
    doctor = henry(db)
    with db.unit_of_work() as uow:
        schedule.add_rule(uow, actor=doctor, weekday="mon", start="09:00", end="12:00")
        schedule.add_rule(uow, actor=doctor, weekday="thu", start="14:00", end="18:00")
        schedule.add_exception(uow, actor=doctor, on="2026-12-24", kind="off")
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        assert app.screen.query_one("#rules-table", DataTable).has_focus
        await pilot.press("down", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        question = text_of(pilot, "#confirm-question")
        assert question.startswith("Remove Thursday 14:00-18:00 from your weekly hours?")
        await pilot.press("y")
        await settle(pilot)
        assert [r[:2] for r in rows(pilot, "#rules-table")] == [["Monday", "09:00-12:00"]]
        assert (
            "information", f"Removed Thursday 14:00-18:00. {AFTER_EDIT}"
        ) in notifications(app)

        await pilot.press("tab")  # to the exceptions
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert text_of(pilot, "#confirm-question") == "Remove the day off on Thu 2026-12-24?"
        await pilot.press("n")  # changed my mind
        await settle(pilot)
        assert len(rows(pilot, "#exceptions-table")) == 1
        await pilot.press("delete", "y")
        await settle(pilot)
        assert not app.screen.query_one("#exceptions-table", DataTable).display

    view = stored(db, doctor)
    assert [(r.weekday_name, r.start_time) for r in view.rules] == [("mon", time(9))]
    assert view.exceptions == ()


async def test_a_bad_time_is_shown_in_the_dialog_and_nothing_is_written(
    settings: Settings, db: Database
) -> None:
    doctor = henry(db)
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "#rule-start", "25:00")
        await fill(pilot, "#rule-end", "12:00")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, RuleDialog)
        assert text_of(pilot, "#rule-error") == "Start is not a time of day: '25:00'"
        assert app.screen.query_one("#rule-error").has_class("-error")
        start = app.screen.query_one("#rule-start", Input)
        assert app.screen.focused is start
        assert start.value == "25:00"  # kept, to be corrected

        await fill(pilot, "#rule-start", "12:00")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(pilot, "#rule-error") == "The end (12:00) must be after the start (12:00)"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleEditorScreen)

    assert stored(db, doctor).rules == ()


async def test_core_refusal_is_a_notification_and_keeps_what_was_typed(
    settings: Settings, db: Database
) -> None:
    doctor = henry(db)
    with db.unit_of_work() as uow:
        first = schedule.add_rule(uow, actor=doctor, weekday="tue", start="09:00", end="12:00")
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#rule-weekday", Select).value = 1
        await fill(pilot, "#rule-start", "11:00")
        await fill(pilot, "#rule-end", "13:00")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, ScheduleEditorScreen)
        assert (
            "error",
            f"Overlaps rule {first.id} (tue 09:00-12:00); remove it first or choose other hours",
        ) in notifications(app)
        assert len(rows(pilot, "#rules-table")) == 1

        await pilot.press("a")  # the dialog comes back with what was typed
        await pilot.pause()
        assert app.screen.query_one("#rule-weekday", Select).value == 1
        assert app.screen.query_one("#rule-start", Input).value == "11:00"
        await fill(pilot, "#rule-start", "12:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(rows(pilot, "#rules-table")) == 2

        await pilot.press("a")  # accepted: the next dialog starts empty
        await pilot.pause()
        assert app.screen.query_one("#rule-start", Input).value == ""

    assert len(stored(db, doctor).rules) == 2


async def test_g_generates_the_doctors_slots(settings: Settings, db: Database) -> None:
    doctor = henry(db)
    with db.unit_of_work() as uow:
        schedule.add_rule(uow, actor=doctor, weekday="wed", start="09:00", end="10:00")
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("g")
        await settle(pilot)
        # Wednesdays from 25 Nov 2026 to 20 Jan 2027 (60 days): 9 days of two slots.
        assert ("information", "18 slots created, 0 removed.") in notifications(app)
        assert open_slots(db, doctor) == 18

        # One of them is booked; then that Wednesday becomes a day off.
        with db.unit_of_work() as uow:
            uow.session.execute(
                update(AvailabilitySlot)
                .where(AvailabilitySlot.id == select(func.min(AvailabilitySlot.id))
                       .scalar_subquery())
                .values(status="booked")
            )
            uow.commit()
            schedule.add_exception(uow, actor=doctor, on="2026-11-25", kind="off",
                                   reason="Training")
        app.clear_notifications()
        await pilot.press("g")
        await settle(pilot)
        assert ("information", "0 slots created, 1 removed.") in notifications(app)
        assert (
            "warning",
            "1 booked appointment is no longer covered by your schedule: "
            "Wed 25 Nov 09:00 (day off: Training). They were kept; cancel or move them if you "
            "won't be there.",
        ) in notifications(app)
    assert open_slots(db, doctor) == 16


async def test_generating_without_a_timezone_says_what_to_do(
    settings: Settings, db: Database
) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology")
    doctor_id = make_doctor(db, admin, email=EMAIL, name="Henry Heart",
                            specialty_names=("Cardiology",), city=None)
    app = editor_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        assert str(app.screen.query_one("#rules-title", Static).render()) == (
            "Weekly hours, no timezone set (a add · d remove)")
        await pilot.press("g")
        await settle(pilot)
        assert (
            "warning",
            "Set your clinic's timezone in your profile first (p on the home screen).",
        ) in notifications(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DoctorHomeScreen)
    assert open_slots(db, Actor(doctor_id, Role.DOCTOR, EMAIL)) == 0


# --- snapshots ---------------------------------------------------------------------------


def busy_week(db: Database) -> None:
    """Henry with a week of hours, one limited period, and three exceptions."""
    doctor = henry(db)
    with db.unit_of_work() as uow:
        for day in ("mon", "tue", "thu"):
            schedule.add_rule(uow, actor=doctor, weekday=day, start="08:00", end="12:00")
        schedule.add_rule(uow, actor=doctor, weekday="tue", start="14:00", end="18:00",
                          slot_minutes=20)
        schedule.add_rule(uow, actor=doctor, weekday="fri", start="09:00", end="13:00",
                          valid_from="2026-12-01", valid_until="2027-03-31")
        schedule.add_exception(uow, actor=doctor, on="2026-12-24", kind="off",
                               reason="Christmas Eve")
        schedule.add_exception(uow, actor=doctor, on="2026-12-03", kind="hours",
                               start="10:00", end="12:00", reason="Board meeting in the morning")
        schedule.add_exception(uow, actor=doctor, on="2026-11-28", kind="extra",
                               start="09:00", end="11:00")


async def open_busy_editor(pilot: Pilot[None]) -> None:
    await open_editor(pilot)
    await steady_cursors(pilot)


def test_schedule_editor_80x24(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    busy_week(db)
    assert snap_compare(editor_app(settings, db), terminal_size=SIZE,
                        run_before=open_busy_editor)


def test_schedule_editor_120x36(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    busy_week(db)
    assert snap_compare(editor_app(settings, db), terminal_size=(120, 36),
                        run_before=open_busy_editor)


def test_rule_dialog_80x24(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    busy_week(db)

    async def open_dialog(pilot: Pilot[None]) -> None:
        await open_editor(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "#rule-start", "25:00")
        await fill(pilot, "#rule-end", "12:00")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(editor_app(settings, db), terminal_size=SIZE, run_before=open_dialog)


def test_exception_dialog_80x24(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    busy_week(db)

    async def open_dialog(pilot: Pilot[None]) -> None:
        await open_editor(pilot)
        await pilot.press("x")
        await pilot.pause()
        await fill(pilot, "#exception-date", "2026-12-31")
        pilot.app.screen.query_one("#exception-kind", Select).value = "hours"
        await fill(pilot, "#exception-start", "09:00")
        await fill(pilot, "#exception-end", "12:00")
        await fill(pilot, "#exception-reason", "New Year's Eve")
        await steady_cursors(pilot)

    assert snap_compare(editor_app(settings, db), terminal_size=SIZE, run_before=open_dialog)
