"""At 80x24 nothing a person needs is cut off: the admin's and the search's tables, with hostile
long names, keep every column on screen, show the highlighted row whole under them, say the
zone of their times, and their key bars fit (issue 13, part 7); the outbox opens on all mail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select
from textual.widgets._footer import FooterKey

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.scheduling import schedule
from doctorbook.tui.app import DoctorbookApp
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.audit_log import AuditLogScreen
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.doctors_admin import DoctorsAdminScreen
from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.outbox import OutboxScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.screens.specialties import SpecialtiesScreen
from doctorbook.tui.screens.staff import StaffScreen
from doctorbook.tui.widgets.plain import Static
from tests.conftest import make_user
from tests.search.conftest import add_slot
from tests.tui.conftest import (
    add_specialties,
    app_for,
    ask_to_join,
    fill,
    make_admin,
    make_doctor,
    row_values,
    settle,
    steady_cursors,
)
from tests.tui.test_admin_console import SMTP_ERROR, mail

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
ADMIN = "ada@clinic.example"
MAX = "max.wolkenstein-hohenberg@praxis-kurfuerstendamm.de"

LONG_NAME = "Dr Maximiliane [b]Wolkenstein-Hohenberg-Schaumburg[/b] von Trautmannsdorff"
LONG_CLINIC = "Praxisgemeinschaft für Innere Medizin und Kardiologie am Kurfürstendamm"
LONG_CITY = "Frankfurt am Main-Höchst"
LONG_SPECIALTY = "Paediatric cardiology and electrophysiology"
LONG_SUBJECT = "Your visit with " + LONG_NAME + " on Fri 27 Nov at 10:00 has been moved"


#: Times shown in the terminal's local zone read the same on every machine (conftest).
pytestmark = pytest.mark.usefixtures("utc")


@dataclass(frozen=True)
class Hostile:
    max_id: int
    henry_id: int
    visit: int


def hostile_clinic(db: Database) -> Hostile:
    """A clinic whose people chose long names (one with markup in it), a booked and a
    cancelled visit (the audit log), a request to join and e-mails with long subjects."""
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", LONG_SPECIALTY)
    max_id = make_doctor(db, admin, email=MAX,
                         name=LONG_NAME, specialty_names=("Cardiology", LONG_SPECIALTY),
                         city=LONG_CITY, clinic=LONG_CLINIC, price="1250.50")
    henry_id = make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                           specialty_names=("Cardiology",))
    with db.unit_of_work() as uow:
        patient = make_user(uow, email="ana@example.com", name="Ana García")
        make_user(uow, email="bartholomew.featherstonehaugh@front-desk.example",
                  name="Bartholomew [u]Featherstonehaugh-Cholmondeley[/u]",
                  role=Role.RECEPTIONIST)
        first = add_slot(uow, max_id, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
        add_slot(uow, max_id, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
        add_slot(uow, henry_id, datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    with db.unit_of_work() as uow:
        visit = booking.book(uow, actor=patient, slot_id=first, reason="Chest pain").id
    with db.unit_of_work() as uow:
        lifecycle.cancel(uow, actor=patient, appointment_id=visit, reason="Feeling better")
    doctor = Actor(max_id, Role.DOCTOR, MAX)
    with db.unit_of_work() as uow:
        schedule.add_rule(uow, actor=doctor, weekday="fri", start="09:00", end="13:00")
        schedule.add_exception(
            uow, actor=doctor, on="2026-12-24", kind="off",
            reason="Christmas Eve [b]and[/b] the practice's annual inventory of the cardiology "
                   "equipment, the pharmacy and the archive")
    ask_to_join(db, "jana.novakova-dvorakova@nemocnice-praha.example.cz",
                "Dr Jana Nováková-Dvořáková [i]MUDr.[/i]",
                "Cardiologist, ten years at the university hospital in Prague; I would like "
                "to offer Saturday mornings.")
    mail(db, to="olga.oldenburg-schleswig@example.org", name="Olga Old",
         kind="appointment_booked", subject=LONG_SUBJECT, status="failed", attempts=5,
         error=SMTP_ERROR)
    mail(db, to="carol@example.com", name="Carol Patient", kind="reminder_24h",
         subject="Reminder: your visit tomorrow at 10:00", status="pending", attempts=1,
         error="timed out after 10 s", minutes=10)
    return Hostile(max_id, henry_id, visit)


def admin_app(settings: Settings, db: Database) -> DoctorbookApp:
    return app_for(settings, db, ADMIN)


async def open_from_home(pilot: Pilot[None], key: str, screen: type[Screen[None]]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, AdminHomeScreen)
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, screen)


def fits(pilot: Pilot[None], selector: str) -> None:
    """Every column of the table is on screen, and the key bar fits."""
    table: DataTable[object] = pilot.app.screen.query_one(selector, DataTable)
    drawn = sum(column.get_render_width(table) for column in table.columns.values())
    room = table.scrollable_content_region.width
    assert drawn <= room, (drawn, room)
    footer_fits(pilot)


def footer_fits(pilot: Pilot[None]) -> None:
    keys = list(pilot.app.screen.query(FooterKey))
    assert keys
    assert all(key.region.right <= SIZE[0] for key in keys), [
        (key.key, key.region) for key in keys]


def detail(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


# --- behaviour -------------------------------------------------------------------------------


async def test_search_keeps_every_column_and_shows_the_doctor_whole(
    settings: Settings, db: Database
) -> None:
    hostile_clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_from_home(pilot, "s", SearchScreen)
        fits(pilot, "#results")
        table: DataTable[object] = app.screen.query_one("#results", DataTable)
        # Henry (the soonest slot) whole; the long name cut short, saying so, its markup
        # shown as typed; price and next slot never cut.
        assert row_values(table, 0)[:3] == ["Henry Heart", "80.00 EUR", "25 Nov 14:00"]
        long_row = [str(cell) for cell in row_values(table, 1)]
        assert long_row[0].startswith("Dr Maximilian")
        assert long_row[0].endswith("…")
        assert long_row[1:3] == ["1250.50 EUR", "27 Nov 10:00"]
        table.focus()
        await pilot.pause()
        assert detail(pilot, "#search-detail").startswith("Henry Heart · Cardiology · ")
        await pilot.press("down")
        await pilot.pause()
        line = detail(pilot, "#search-detail")
        assert LONG_NAME in line
        assert f"{LONG_CLINIC}, {LONG_CITY}" in line
        assert "next slot Fri 27 Nov 10:00 (Europe/Berlin)" in line


async def test_audit_log_says_its_zone_and_shows_the_entry_whole(
    settings: Settings, db: Database
) -> None:
    clinic = hostile_clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_from_home(pilot, "a", AuditLogScreen)
        await fill(pilot, "#audit-entity", "appointment")
        await pilot.press("enter")
        await settle(pilot)
        fits(pilot, "#audit-table")
        table: DataTable[object] = app.screen.query_one("#audit-table", DataTable)
        assert next(str(c.label) for c in table.columns.values()) == "Time (UTC)"
        newest = row_values(table, 0)
        assert newest[2:4] == ["appt.cancelled", f"appt:{clinic.visit}"]
        line = detail(pilot, "#audit-detail")
        assert line.startswith("Tue 2026-11-24 09:00 UTC · ")
        assert f"appointment.cancelled · appointment:{clinic.visit}" in line


async def test_outbox_opens_on_all_mail_and_shows_the_highlighted_one_whole(
    settings: Settings, db: Database
) -> None:
    hostile_clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_from_home(pilot, "o", OutboxScreen)
        assert app.screen.query_one("#outbox-status", Select).value == "all"
        table: DataTable[object] = app.screen.query_one("#outbox-table", DataTable)
        statuses = [row_values(table, i)[1] for i in range(table.row_count)]
        assert "pending" in statuses and "failed" in statuses
        fits(pilot, "#outbox-table")
        assert str(list(table.columns.values())[-1].label) == "Next / sent (UTC)"
        failed = statuses.index("failed")
        table.move_cursor(row=failed)
        await pilot.pause()
        line = detail(pilot, "#outbox-detail")
        assert line.startswith("Olga Old <olga.oldenburg-schleswig@example.org> · "
                               "appointment_booked · " + LONG_SUBJECT)


@pytest.mark.parametrize(("key", "screen", "table"), [
    ("c", SpecialtiesScreen, "#specialties-table"),
    ("j", DoctorsJoiningScreen, "#requests-table"),
    ("d", DoctorsAdminScreen, "#doctors-admin-table"),
    ("t", StaffScreen, "#staff-table"),
], ids=["specialties", "joining", "doctors", "staff"])
async def test_admin_lists_fit(
    settings: Settings, db: Database, key: str, screen: type[Screen[None]], table: str
) -> None:
    hostile_clinic(db)
    app = admin_app(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_from_home(pilot, key, screen)
        fits(pilot, table)


# --- snapshots -------------------------------------------------------------------------------


def snapshot_of(key: str, screen: type[Screen[None]], *then: str) -> Callable[..., object]:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_from_home(pilot, key, screen)
        if then:
            await pilot.press(*then)
            await settle(pilot)
        await steady_cursors(pilot)

    return run_before


async def audit_appointments(pilot: Pilot[None]) -> None:
    await open_from_home(pilot, "a", AuditLogScreen)
    await fill(pilot, "#audit-entity", "appointment")
    await pilot.press("enter")
    await settle(pilot)
    await steady_cursors(pilot)


async def search_results(pilot: Pilot[None]) -> None:
    await open_from_home(pilot, "s", SearchScreen)
    pilot.app.screen.query_one("#results", DataTable).focus()
    await settle(pilot)
    await steady_cursors(pilot)


@pytest.mark.parametrize(("name", "run_before"), [
    ("search", search_results),
    ("audit", audit_appointments),
    ("outbox", snapshot_of("o", OutboxScreen)),
    ("specialties", snapshot_of("c", SpecialtiesScreen)),
    ("joining", snapshot_of("j", DoctorsJoiningScreen)),
    ("doctors", snapshot_of("d", DoctorsAdminScreen)),
    ("staff", snapshot_of("t", StaffScreen)),
], ids=lambda value: value if isinstance(value, str) else "")
def test_eighty_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, name: str,
    run_before: Callable[..., object],
) -> None:
    hostile_clinic(db)
    assert snap_compare(admin_app(settings, db), terminal_size=SIZE, run_before=run_before)


async def long_profile(pilot: Pilot[None]) -> None:
    """The public profile of the doctor with the long names, opened from the search."""
    await search_results(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DoctorProfileScreen)
    await steady_cursors(pilot)


def test_eighty_profile_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    hostile_clinic(db)
    assert snap_compare(admin_app(settings, db), terminal_size=SIZE, run_before=long_profile)


@pytest.mark.parametrize("key", ["p", "w"], ids=["profile-form", "schedule"])
def test_eighty_doctor_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database, key: str
) -> None:
    """The long-named doctor's own profile form and schedule."""
    hostile_clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        # Each field shows the start of what it holds: where a long value's view sits
        # otherwise depends on whether the field had its size when the value came.
        for field in pilot.app.screen.query(Input):
            field.cursor_position = 0
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, MAX), terminal_size=SIZE, run_before=run_before)
