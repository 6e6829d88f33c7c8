"""Pilot tests on the real database: the admin's specialties and doctor invitations."""

from __future__ import annotations

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox, Invite
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.dialogs.confirm import ConfirmDialog
from doctorbook.tui.dialogs.text_prompt import TextPrompt
from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.specialties import SpecialtiesScreen
from doctorbook.tui.widgets.specialty_picker import SpecialtyPicker
from tests.conftest import PASSWORD
from tests.tui.conftest import (
    add_specialties,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    row_values,
    settle,
)

SIZE = (80, 24)


def specialty_rows(pilot: Pilot[None]) -> list[list[object]]:
    table: DataTable[object] = pilot.app.screen.query_one("#specialties-table", DataTable)
    return [row_values(table, i) for i in range(table.row_count)]


async def answer_prompt(pilot: Pilot[None], text: str) -> None:
    assert isinstance(pilot.app.screen, TextPrompt)
    await fill(pilot, "#prompt-value", text)
    await pilot.press("enter")
    await settle(pilot)


async def test_admin_adds_renames_and_removes_a_specialty(
    settings: Settings, db: Database
) -> None:
    make_admin(db)
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, SpecialtiesScreen)
        empty = app.screen.query_one("#specialties-empty", Static)
        assert str(empty.render()) == "No specialties yet. Press a to add the first one."
        assert not app.screen.check_action("rename", ())  # nothing to rename yet

        await pilot.press("a")
        await pilot.pause()
        await answer_prompt(pilot, "  Cardiology ")
        await pilot.press("a")
        await pilot.pause()
        await answer_prompt(pilot, "Dermatology")
        assert specialty_rows(pilot) == [["Cardiology", 0], ["Dermatology", 0]]
        assert ("information", "Specialty 'Dermatology' added.") in notifications(app)

        await pilot.press("up", "r")  # the cursor stayed on Dermatology; up to Cardiology
        await pilot.pause()
        assert app.screen.query_one("#prompt-value", Input).value == "Cardiology"
        await answer_prompt(pilot, "Cardiology (adult)")
        assert specialty_rows(pilot) == [["Cardiology (adult)", 0], ["Dermatology", 0]]
        assert (
            "information", "Specialty 'Cardiology' renamed to 'Cardiology (adult)'."
        ) in notifications(app)

        await pilot.press("a")  # escape cancels the dialog: nothing changes
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SpecialtiesScreen)
        assert len(specialty_rows(pilot)) == 2

        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the focus is on Cancel: a stray Enter removes nothing
        await settle(pilot)
        assert len(specialty_rows(pilot)) == 2
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert specialty_rows(pilot) == [["Dermatology", 0]]
        assert ("information", "Specialty 'Cardiology (adult)' removed.") in notifications(app)


async def test_a_specialty_in_use_is_not_removed(settings: Settings, db: Database) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology")
    make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                specialty_names=("Cardiology",))
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert specialty_rows(pilot) == [["Cardiology", 1]]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert (
            "error",
            "Specialty 'Cardiology' is used by 1 doctor(s); remove it from their profiles first",
        ) in notifications(app)
        assert specialty_rows(pilot) == [["Cardiology", 1]]


async def test_admin_invites_a_doctor(settings: Settings, db: Database) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology")
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, DoctorsJoiningScreen)
        await pilot.press("ctrl+s")  # an empty form is not sent
        await settle(pilot)
        assert ("warning", "Enter the doctor's e-mail and name.") in notifications(app)

        await fill(pilot, "#invite-email", "Henry@Example.com")
        await fill(pilot, "#invite-name", "Henry Heart")
        await pilot.press("enter")  # on to the specialties
        assert app.screen.focused is app.screen.query_one(SpecialtyPicker)
        await pilot.press("down", "space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ("information", "Invitation sent to henry@example.com.") in notifications(app)
        assert app.screen.query_one("#invite-email", Input).value == ""  # ready for the next
        assert app.screen.query_one(SpecialtyPicker).names == ()
    with db.unit_of_work() as uow:
        mail = uow.session.scalars(select(EmailOutbox)).one()
        invite = uow.session.scalars(select(Invite)).one()
        assert (mail.to_address, mail.kind, mail.status) == (
            "henry@example.com", "doctor_invite", "pending"
        )
        assert "doctorbook accept-invite dbi_" in mail.text_body
        assert invite.name == "Henry Heart" and len(invite.specialty_ids) == 1
