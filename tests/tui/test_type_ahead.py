"""Keys typed faster than the screen draws (a password manager's auto-type, a slow SSH link)
land where they would at a person's pace: Tab moves on inside a burst, a password never shows."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.widgets import Input

from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import settle

SIZE = (80, 24)


def burst(pilot: Pilot[None], keys: list[str]) -> None:
    """Every key handed to the app at once, as a terminal delivers a burst: no waiting for the
    app to handle one before the next (which `pilot.press` does)."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            name = _get_unicode_name_from_key(REPLACED_KEYS.get(key, key))
            char: str | None = unicodedata.lookup(name)
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)


async def test_email_tab_password_enter_in_one_burst_logs_in(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        burst(pilot, [*"pat@example.com", "tab", *PASSWORD, "enter"])
        await settle(pilot)
        # The password went into the password field (never the visible e-mail field).
        assert isinstance(app.screen, PatientHomeScreen), [
            (field.id, field.value) for field in login.query(Input)
        ]


async def test_a_burst_at_the_desk_keeps_the_password_hidden_and_shift_tab_in_order(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        # A wrong password, so the form stays and its fields can be read.
        burst(pilot, [*"rita@example.com", "tab", *"not the password", "shift+tab", "end"])
        await settle(pilot)
        email = login.query_one("#email", Input)
        password = login.query_one("#password", Input)
        assert email.value == "rita@example.com"
        assert password.value == "not the password" and password.password
        assert email.has_focus  # shift+tab went back, in order
        burst(pilot, ["tab", "ctrl+u", *PASSWORD, "enter"])
        await settle(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
