"""The admin's doctors screen on the real database: every doctor, suspending one (patients no
longer find them) and reactivating them; who gets the key; a snapshot at 80x24."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import Doctor
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.booking import search
from doctorbook.core.doctors import doctors
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.doctors_admin import DoctorsAdminScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    add_specialties,
    binding_ids,
    invite,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    row_values,
    settle,
    steady_cursors,
)

SIZE = (80, 24)
ADMIN = "ada@clinic.example"
SnapCompare = Callable[..., bool]


def app_for(settings: Settings, db: Database, email: str = ADMIN) -> DoctorbookApp:
    return make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))


def clinic(db: Database) -> dict[str, int]:
    """An admin, two visible doctors, one with an incomplete profile, one already suspended."""
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Nephrology")
    ids = {
        "house": make_doctor(db, admin, email="house@clinic.example", name="Gregory House",
                             specialty_names=("Nephrology",), city="Princeton"),
        "wilson": make_doctor(db, admin, email="wilson@clinic.example", name="James Wilson",
                              specialty_names=("Cardiology",)),
        "cuddy": make_doctor(db, admin, email="cuddy@clinic.example", name="Lisa Cuddy",
                             specialty_names=("Cardiology",), city=None),
        "chase": make_doctor(db, admin, email="chase@clinic.example", name="Robert Chase",
                             specialty_names=("Cardiology",), city="Sydney"),
    }
    with db.unit_of_work() as uow:
        doctors.set_status(uow, actor=admin, doctor_id=ids["chase"], active=False)
    return ids


def rows(pilot: Pilot[None]) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one("#doctors-admin-table", DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


def status_of(db: Database, doctor_id: int) -> str:
    with db.unit_of_work() as uow:
        doctor = uow.session.get(Doctor, doctor_id)
        assert doctor is not None
        return doctor.status


def found(db: Database) -> set[str]:
    with db.unit_of_work() as uow:
        return {r.name for r in search.search(uow)}


async def open_doctors(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, AdminHomeScreen)
    assert "doctors" in binding_ids(pilot.app)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DoctorsAdminScreen)


async def cursor_to(pilot: Pilot[None], name: str) -> None:
    table: DataTable[object] = pilot.app.screen.query_one("#doctors-admin-table", DataTable)
    names = [str(row[0]) for row in rows(pilot)]
    table.move_cursor(row=names.index(name))
    await pilot.pause()


async def test_admin_suspends_and_reactivates_a_doctor(
    settings: Settings, db: Database
) -> None:
    ids = clinic(db)
    assert found(db) == {"Gregory House", "James Wilson"}
    app = app_for(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_doctors(pilot)
        assert [[str(c) for c in row] for row in rows(pilot)] == [
            ["Gregory House", "house@clinic.example", "Princeton", "active", "yes", "—"],
            ["James Wilson", "wilson@clinic.example", "Berlin", "active", "yes", "—"],
            ["Lisa Cuddy", "cuddy@clinic.example", "—", "active", "no", "—"],
            ["Robert Chase", "chase@clinic.example", "Sydney", "suspended", "no", "—"],
        ]
        # The cursor is on House (active): s is offered, r greyed out.
        assert "suspend-doctor" in binding_ids(app)

        # A cancelled confirmation changes nothing.
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert status_of(db, ids["house"]) == "active"

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DoctorsAdminScreen)
        assert status_of(db, ids["house"]) == "suspended"
        assert found(db) == {"James Wilson"}
        assert [str(c) for c in rows(pilot)[0]][3:5] == ["suspended", "no"]
        assert any("Gregory House is suspended" in m for _, m in notifications(app))

        # Suspending again isn't offered; reactivating is.
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, DoctorsAdminScreen)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert status_of(db, ids["house"]) == "active"
        assert found(db) == {"Gregory House", "James Wilson"}
        assert [str(c) for c in rows(pilot)[0]][3:5] == ["active", "yes"]

        # The doctor suspended before the screen opened comes back to the search too.
        await cursor_to(pilot, "Robert Chase")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert status_of(db, ids["chase"]) == "active"
        assert "Robert Chase" in found(db)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AdminHomeScreen)


async def test_f5_reads_changes_made_elsewhere(settings: Settings, db: Database) -> None:
    ids = clinic(db)
    app = app_for(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await open_doctors(pilot)
        admin = make_admin(db, email="bob@clinic.example", name="Bob Admin")
        with db.unit_of_work() as uow:
            doctors.set_status(uow, actor=admin, doctor_id=ids["wilson"], active=False)
        await pilot.press("f5")
        await settle(pilot)
        assert [str(c) for c in rows(pilot)[1]][3] == "suspended"


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.PATIENT])
async def test_other_roles_never_get_the_doctors_key(
    settings: Settings, db: Database, role: Role
) -> None:
    admin = make_admin(db)
    invite(db, admin, "house@clinic.example", "Gregory House")
    with db.unit_of_work() as uow:
        make_user(uow, email="someone@example.com", name="Some One", role=role)
    app = app_for(settings, db, "someone@example.com")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, AdminHomeScreen)
        assert "doctors" not in binding_ids(app)
        await pilot.press("d")
        await settle(pilot)
        assert not any(isinstance(s, DoctorsAdminScreen) for s in app.screen_stack)


def test_doctors_admin_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_doctors(pilot)
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db), terminal_size=SIZE, run_before=run_before)


async def test_the_doctors_key_is_in_the_help(settings: Settings, db: Database) -> None:
    """d is off the 80-column key bar (F1 must fit there), so F1 lists it."""
    make_admin(db)
    app = app_for(settings, db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        table: DataTable[object] = app.screen.query_one("#help-keys", DataTable)
        helped = [str(row_values(table, i)[1]) for i in range(table.row_count)]
        assert "Doctors" in helped
