"""Brief 1, acceptance a, in the TUI: register, log in, and see the empty appointments list."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from tests.conftest import PASSWORD
from tests.tui.conftest import fill, settle


async def test_new_patient_registers_logs_in_and_sees_empty_list_tui(
    tmp_path: Path, db: Database
) -> None:
    settings = Settings(home=tmp_path, config_dir=tmp_path, database_url=None)
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        await fill(pilot, "#name", "New Patient")
        await fill(pilot, "#email", "new.patient@example.com")
        await fill(pilot, "#password", PASSWORD)
        await fill(pilot, "#confirm", PASSWORD)
        await pilot.click("#create")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)

        await pilot.press("ctrl+l")  # log out, then log in with the new account
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await fill(pilot, "#email", "new.patient@example.com")
        await fill(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, PatientHomeScreen)
        assert "New Patient" in str(app.screen.sub_title)
        empty = app.screen.query_one("#appointments-empty", Static)
        assert empty.display
        assert "No appointments yet." in str(empty.render())
