"""Issue 11 items 6 and 7 in the TUI: from the patient lookup an admin disables a patient's
account (their open app is refused at its next action), enables it again, and erases a patient
after typing ERASE; the desk never gets those keys, and is offered the activation e-mail only for
a patient who has no password; hostile names show literally; snapshots at 80x24."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from doctorbook.core.accounts import patients
from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import DoctorbookApp
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.erase_patient import ErasePatientDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.admin_home import AdminHomeScreen
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.patient_lookup import PatientLookupScreen
from tests.conftest import make_user
from tests.hostile import has_control
from tests.tui.conftest import (
    app_for,
    binding_ids,
    fill,
    make_admin,
    no_crash,
    row_values,
    said,
    settle,
    steady_cursors,
    text_of,
)

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
ADMIN = "ada@clinic.example"
DESK = "rita@clinic.example"
PAT = "pat@example.com"
pytestmark = pytest.mark.usefixtures("utc")


def clinic(db: Database, patient_name: str = "Pat Patient") -> None:
    """An admin, a receptionist, a patient with a password and one the desk created."""
    admin = make_admin(db, ADMIN, "Ada Admin")
    with db.unit_of_work() as uow:
        make_user(uow, email=DESK, name="Rita Desk", role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        make_user(uow, email=PAT, name=patient_name)
    with db.unit_of_work() as uow:
        patients.create_patient(uow, actor=admin, email="walk@example.com", name="Walk In")


def rows(app: DoctorbookApp) -> list[list[str]]:
    table: DataTable[object] = app.screen.query_one("#patients-table", DataTable)
    return [[str(cell) for cell in row_values(table, i)] for i in range(table.row_count)]


async def open_lookup(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PatientLookupScreen)


async def highlight(pilot: Pilot[None], email: str) -> None:
    app = pilot.app
    assert isinstance(app, DoctorbookApp)
    table: DataTable[object] = app.screen.query_one("#patients-table", DataTable)
    table.focus()
    table.move_cursor(row=[row[1] for row in rows(app)].index(email))
    await settle(pilot)  # the key bar is refreshed after the highlight's message


def user_id(db: Database, email: str) -> int:
    with db.unit_of_work() as uow:
        found = uow.session.execute(text("SELECT id FROM users WHERE email = :e"),
                                    {"e": email}).scalar_one()
        assert isinstance(found, int)
        return found


def erased(db: Database, patient_id: int) -> bool:
    with db.unit_of_work() as uow:
        return bool(uow.session.execute(
            text("SELECT erased_at IS NOT NULL FROM users WHERE id = :id"),
            {"id": patient_id}).scalar_one())


async def test_admin_disables_and_enables_a_patient_whose_open_app_is_refused(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    admin_app = app_for(settings, db, ADMIN)
    patient_app = app_for(settings, db, PAT)
    async with admin_app.run_test(size=SIZE) as admin, patient_app.run_test(size=SIZE) as pat:
        await settle(pat)
        assert isinstance(patient_app.screen, PatientHomeScreen)
        assert isinstance(admin_app.screen, AdminHomeScreen)
        await open_lookup(admin)
        # Typing in the search field: the letters are text, not keys.
        assert not {"disable-patient", "erase-patient"} & binding_ids(admin_app)
        await highlight(admin, PAT)
        assert {"disable-patient", "erase-patient"} <= binding_ids(admin_app)
        assert "enable-patient" not in binding_ids(admin_app)
        assert "send-activation" not in binding_ids(admin_app)  # she has a password

        # An empty reason is asked for again; then the account is disabled.
        await admin.press("x")
        await admin.pause()
        assert isinstance(admin_app.screen, TextPrompt)
        await admin.press("enter")
        await settle(admin)
        assert said(admin_app, "Say why you disable the account")
        assert isinstance(admin_app.screen, TextPrompt)
        await fill(admin, "#prompt-value", "abusive messages to the desk")
        await admin.press("enter")
        await settle(admin)
        assert isinstance(admin_app.screen, PatientLookupScreen)
        assert said(admin_app, "Pat Patient's account is disabled: they can't log in")
        assert ["Pat Patient (disabled)", PAT] in [row[:2] for row in rows(admin_app)]

        # Her open app is refused at its next action: back to the login form.
        await pat.press("f5")
        await settle(pat)
        assert isinstance(patient_app.screen, LoginScreen)
        assert patient_app.user is None

        # Enabled again, after a confirmation that shows the reason.
        await highlight(admin, PAT)
        assert "enable-patient" in binding_ids(admin_app)
        assert "disable-patient" not in binding_ids(admin_app)
        await admin.press("e")
        await admin.pause()
        assert isinstance(admin_app.screen, ConfirmDialog)
        assert "abusive messages to the desk" in text_of(admin_app, "#confirm-question")
        await admin.press("y")
        await settle(admin)
        assert said(admin_app, "Pat Patient's account is enabled again.")
        assert ["Pat Patient", PAT] in [row[:2] for row in rows(admin_app)]
        no_crash(admin_app)
        no_crash(patient_app)


async def test_admin_erases_a_patient_only_after_typing_erase(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    pat_id = user_id(db, PAT)
    app = app_for(settings, db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await open_lookup(pilot)
        await highlight(pilot, PAT)
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, ErasePatientDialog)
        assert "Erase Pat Patient <pat@example.com>?" in text_of(app, "#erase-question")

        # No reason, then the wrong word: nothing happens, the dialog says why.
        await pilot.click("#erase-ok")
        await pilot.pause()
        assert text_of(app, "#erase-error") == "Say why: the audit log keeps the reason."
        await fill(pilot, "#erase-reason", "asked to be forgotten")
        await fill(pilot, "#erase-confirm", "erase")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ErasePatientDialog)
        assert text_of(app, "#erase-error").startswith("Type ERASE (in capitals)")
        assert not erased(db, pat_id)

        # Escape keeps the patient.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        assert not erased(db, pat_id)

        await pilot.press("E")
        await pilot.pause()
        await fill(pilot, "#erase-reason", "asked to be forgotten")
        await fill(pilot, "#erase-confirm", "ERASE")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PatientLookupScreen)
        assert said(app, "Pat Patient is erased: 0 visit(s) and 0 review(s) stay, anonymous.")
        assert erased(db, pat_id)
        # No one to find any more: not by the old address, not as a placeholder.
        assert PAT not in [row[1] for row in rows(app)]
        assert all("Erased" not in row[0] for row in rows(app))
        no_crash(app)


async def test_the_desk_gets_no_admin_keys_and_activation_only_without_a_password(
    settings: Settings, db: Database
) -> None:
    clinic(db)
    app = app_for(settings, db, DESK)
    async with app.run_test(size=SIZE) as pilot:
        await open_lookup(pilot)
        await highlight(pilot, PAT)
        offered = binding_ids(app)
        assert not {"disable-patient", "enable-patient", "erase-patient"} & offered
        assert "send-activation" not in offered
        for key in ("x", "e", "E"):  # pressed anyway: nothing opens
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, PatientLookupScreen)
        await highlight(pilot, "walk@example.com")
        assert "send-activation" in binding_ids(app)
        no_crash(app)


async def test_hostile_patient_names_show_literally(settings: Settings, db: Database) -> None:
    # Core refuses control characters in names; markup and shell text are kept, literally.
    hostile = "[bold red]Mallory[/] \\x1b[31m $(rm -rf /) " + "x" * 150
    clinic(db, patient_name=hostile)
    app = app_for(settings, db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await open_lookup(pilot)
        await highlight(pilot, PAT)
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, ErasePatientDialog)
        question = text_of(app, "#erase-question")
        assert "[bold red]Mallory[/]" in question
        assert not has_control(question)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await fill(pilot, "#prompt-value", "[link=x]spam[/link]")
        await pilot.press("enter")
        await settle(pilot)
        assert said(app, "account is disabled")
        assert any("[bold red]Mallory[/]" in row[0] for row in rows(app))
        no_crash(app)


def test_admin_patient_lookup_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_lookup(pilot)
        await highlight(pilot, PAT)
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, ADMIN), terminal_size=SIZE, run_before=run_before)


def test_erase_dialog_snapshot(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    clinic(db)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_lookup(pilot)
        await highlight(pilot, PAT)
        await pilot.press("E")
        await pilot.pause()
        await fill(pilot, "#erase-reason", "asked to be forgotten")
        await fill(pilot, "#erase-confirm", "erase")
        await pilot.press("enter")
        await steady_cursors(pilot)
        assert isinstance(pilot.app.screen, ErasePatientDialog)
        assert pilot.app.screen.query_one("#erase-confirm", Input).value == "erase"

    assert snap_compare(app_for(settings, db, ADMIN), terminal_size=SIZE, run_before=run_before)
