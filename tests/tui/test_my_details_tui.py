"""Issue 11 item 5 in the TUI, on the real database: "My details" (ctrl+d) on every role's home —
phone and date of birth saved and shown next time, a bad date kept in the dialog with an inline
error, the e-mail change with the code from the outbox (and logging in with the new address),
hostile text shown literally, and a snapshot of the dialog."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from doctorbook.core.accounts import accounts, auth
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.dialogs.change_email import ChangeEmailDialog, email_code_in
from doctorbook.tui.dialogs.my_details import MyDetailsDialog
from doctorbook.tui.screens.home import HomeScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    account_for,
    app_for,
    binding_ids,
    fill,
    no_crash,
    notifications,
    password_works,
    said,
    settle,
    steady_cursors,
    text_of,
)

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
ADMIN = "ada@clinic.example"
PAT = "pat@example.com"
NEW = "pat.new@example.com"
CODE_RE = re.compile(r"\b(dbe_[A-Za-z0-9_-]+)")
pytestmark = pytest.mark.usefixtures("utc")


# --- helpers -------------------------------------------------------------------------------------


def patient(db: Database, name: str = "Pat Patient", email: str = PAT) -> Actor:
    with db.unit_of_work() as uow:
        return make_user(uow, email=email, name=name)


def details(db: Database, actor: Actor) -> auth.UserView:
    with db.unit_of_work() as uow:
        return accounts.own_details(uow, actor=actor)


def email_body(db: Database, to: str) -> str:
    """The text of the newest e-mail-change message to `to`, as it sits in the outbox."""
    with db.unit_of_work() as uow:
        row = (uow.session.query(EmailOutbox)
               .filter(EmailOutbox.to_address == to, EmailOutbox.kind == "email_change")
               .order_by(EmailOutbox.id.desc()).first())
        assert row is not None, f"no email_change e-mail to {to}"
        return row.text_body


def value(app: DoctorbookApp, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


async def open_details(pilot: Pilot[None]) -> MyDetailsDialog:
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)
    await pilot.press("ctrl+d")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, MyDetailsDialog)
    return dialog


async def save(pilot: Pilot[None], phone: str, born: str) -> None:
    await fill(pilot, "#my-phone", phone)
    await fill(pilot, "#my-birth-date", born)
    await pilot.press("enter")
    await settle(pilot)


async def paste(pilot: Pilot[None], selector: str, pasted_text: str) -> None:
    """Paste into a field as the terminal driver delivers it (to the app, then the field)."""
    app = pilot.app
    app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    pasted = events.Paste(pasted_text)
    pasted.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(pasted)
    await pilot.pause()


# --- tests ---------------------------------------------------------------------------------------


async def test_a_patient_saves_phone_and_date_of_birth(settings: Settings, db: Database) -> None:
    actor = patient(db)
    app = app_for(settings, db, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert "my-details" in binding_ids(app)
        await open_details(pilot)
        assert text_of(app, "#my-name") == "Pat Patient"
        assert text_of(app, "#my-email") == PAT
        assert value(app, "#my-phone") == "" and value(app, "#my-birth-date") == ""

        await save(pilot, "+49 30 1234567", "1980-05-17")
        assert isinstance(app.screen, PatientHomeScreen)
        assert ("information", "Details saved") in notifications(app)
        view = details(db, actor)
        assert view.phone == "+49 30 1234567" and view.date_of_birth == date(1980, 5, 17)

        # Next time the dialog shows them.
        await open_details(pilot)
        assert value(app, "#my-phone") == "+49 30 1234567"
        assert value(app, "#my-birth-date") == "1980-05-17"
        # Empty removes the phone; the date stays as it was (not sent).
        await save(pilot, "", "1980-05-17")
        assert isinstance(app.screen, PatientHomeScreen)
        view = details(db, actor)
        assert view.phone is None and view.date_of_birth == date(1980, 5, 17)

        # Escape changes nothing.
        await open_details(pilot)
        await fill(pilot, "#my-phone", "+1 555 0000")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert details(db, actor).phone is None
        no_crash(app)


async def test_a_bad_date_stays_in_the_dialog(settings: Settings, db: Database) -> None:
    actor = patient(db)
    app = app_for(settings, db, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await open_details(pilot)
        for bad in ("17.05.1980", "1980-13-01", "yesterday"):
            await save(pilot, "+49 30 1234567", bad)
            assert isinstance(app.screen, MyDetailsDialog)
            assert text_of(app, "#my-details-error").startswith("Not a date: type it as YYYY")
            assert value(app, "#my-birth-date") == bad
            assert value(app, "#my-phone") == "+49 30 1234567"
            assert app.screen.focused is app.screen.query_one("#my-birth-date", Input)
        # A date in the future: core refuses it, said in the dialog too.
        await save(pilot, "+49 30 1234567", "2999-01-01")
        assert isinstance(app.screen, MyDetailsDialog)
        assert text_of(app, "#my-details-error") == "Not a date of birth: 2999-01-01."
        assert value(app, "#my-birth-date") == "2999-01-01"
        view = details(db, actor)
        assert view.phone is None and view.date_of_birth is None
        # Then a good one is saved.
        await save(pilot, "+49 30 1234567", "1980-05-17")
        assert isinstance(app.screen, PatientHomeScreen)
        assert details(db, actor).date_of_birth == date(1980, 5, 17)
        no_crash(app)


async def test_changing_the_email_with_the_code_from_the_outbox(
    settings: Settings, db: Database
) -> None:
    patient(db)
    app = app_for(settings, db, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await open_details(pilot)
        await pilot.click("#my-details-email")
        await settle(pilot)
        assert isinstance(app.screen, ChangeEmailDialog)
        assert not app.screen.query_one("#email-code", Input).display

        # Refusals stay in the dialog.
        await fill(pilot, "#new-email", PAT)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeEmailDialog)
        assert text_of(app, "#change-email-error") == "That is already your e-mail address."

        await fill(pilot, "#new-email", NEW)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeEmailDialog)
        assert text_of(app, "#change-email-error") == (
            f"A code is on its way to {NEW}; your e-mail changes when you enter it.")
        assert app.screen.query_one("#email-code", Input).display

        body = email_body(db, NEW)
        match = CODE_RE.search(body)
        assert match, body
        code = match.group(1)
        # A wrong code: said in the dialog.
        await fill(pilot, "#email-code", "dbe_not-the-code")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeEmailDialog)
        assert text_of(app, "#change-email-error").startswith("This code is not valid")
        # The e-mail's whole command line, pasted.
        app.screen.query_one("#email-code", Input).value = ""
        line = next(line for line in body.splitlines() if code in line)
        await paste(pilot, "#email-code", line)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MyDetailsDialog)
        assert text_of(app, "#my-email") == NEW
        assert ("information", f"Your e-mail address is now {NEW}") in notifications(app)
        for _, message in notifications(app):
            assert code not in message
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        # The running app knows the user by the new address (its home screen too).
        assert app.user is not None and app.user.email == NEW
        assert isinstance(app.screen, PatientHomeScreen) and app.screen.user.email == NEW
        no_crash(app)
    assert password_works(db, NEW)
    assert not password_works(db, PAT)


async def test_i_have_the_code_from_an_earlier_request(
    settings: Settings, db: Database
) -> None:
    actor = patient(db)
    with db.unit_of_work() as uow:
        accounts.request_email_change(uow, actor=actor, new_email=NEW)
    code = email_code_in(email_body(db, NEW))
    app = app_for(settings, db, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await open_details(pilot)
        await pilot.click("#my-details-email")
        await settle(pilot)
        await pilot.click("#have-email-code")
        await pilot.pause()
        await fill(pilot, "#email-code", f"  doctorbook account confirm-email {code}  ")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MyDetailsDialog)
        assert said(app, f"Your e-mail address is now {NEW}")
        no_crash(app)
    assert password_works(db, NEW)


async def test_hostile_text_shows_literally(settings: Settings, db: Database) -> None:
    name = "Eve [/bold] [link=file:///etc/passwd]Evil[/link]"
    actor = patient(db, name=name)
    app = app_for(settings, db, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await open_details(pilot)
        assert text_of(app, "#my-name") == name
        phone = "[red]+49 30[/red] [/]"
        await save(pilot, phone, "")
        assert isinstance(app.screen, MyDetailsDialog)
        error = text_of(app, "#my-details-error")
        assert error.startswith("Not a phone number:") and "[red]+49 30[/red] [/]" in error
        assert value(app, "#my-phone") == phone
        assert app.screen.focused is app.screen.query_one("#my-phone", Input)
        assert details(db, actor).phone is None
        no_crash(app)


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.DOCTOR, Role.ADMIN])
async def test_every_home_offers_my_details(settings: Settings, db: Database, role: Role) -> None:
    email = account_for(db, role)
    app = app_for(settings, db, email)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "my-details" in binding_ids(app)
        await open_details(pilot)
        assert text_of(app, "#my-email") == email
        await save(pilot, "030 1234567", "")
        assert isinstance(app.screen, HomeScreen)
        assert said(app, "Details saved")
        no_crash(app)


async def test_the_kiosk_patient_has_my_details(settings: Settings, db: Database) -> None:
    patient(db)
    app = make_app(settings=settings, db=db, store=None, kiosk=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill(pilot, "#email", PAT)
        await fill(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert "my-details" in binding_ids(app)
        await open_details(pilot)
        assert text_of(app, "#my-email") == PAT
        no_crash(app)


def test_my_details_dialog_snapshot(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    actor = patient(db)
    with db.unit_of_work() as uow:
        accounts.update_own_details(uow, actor=actor, phone="+49 30 1234567",
                                    date_of_birth=date(1980, 5, 17))

    async def run_before(pilot: Pilot[None]) -> None:
        await open_details(pilot)
        await fill(pilot, "#my-birth-date", "17.05.1980")
        await pilot.press("enter")
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(app_for(settings, db, PAT), terminal_size=SIZE, run_before=run_before)

