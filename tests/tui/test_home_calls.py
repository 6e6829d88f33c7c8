"""A home screen reads its own lists (issue 13): what was asked for by the previous login at a
shared terminal never shows on the next person's home."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from textual.worker import WorkerState

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.widgets.appointments import AppointmentList
from tests.conftest import PASSWORD
from tests.tui.conftest import fill, settle, wait_until
from tests.tui.test_booking_flows import SIZE, WED_0930, Clinic, clinic, rows

__all__ = ["clinic"]  # the fixture, used by name

pytestmark = pytest.mark.usefixtures("utc")


async def test_the_previous_logins_lists_never_show_on_the_next_home(
    settings: Settings, db: Database, clinic: Clinic
) -> None:
    """Alice refreshes her home while the database is slow, logs out, and Bob logs in: Bob
    sees his own (empty) lists; Alice's read, answered later, is dropped with her screens."""
    clinic.book(clinic.alice, clinic.slots(WED_0930)[0], reason="Palpitations")
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, "#email", "alice@example.com")
        await fill(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        alice_home = app.screen
        assert isinstance(alice_home, PatientHomeScreen)
        assert len(rows(pilot, "#upcoming")) == 1
        # Reads of the appointments wait while another transaction holds this lock.
        with db.engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE appointments IN ACCESS EXCLUSIVE MODE"))
            await pilot.press("f5")  # Alice's read: blocked
            await wait_until(pilot, lambda: any(
                w.node is alice_home and not w.is_finished for w in app.workers
            ), "Alice's read to start")
            alices_read = [w for w in app.workers if w.node is alice_home]
            await pilot.press("ctrl+l")
            await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login form")
            await fill(pilot, "#email", "bob@example.com")
            await fill(pilot, "#password", PASSWORD)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PatientHomeScreen)
                             and app.screen is not alice_home, "Bob's home")
            blocker.rollback()  # the database answers both reads now
        await settle(pilot)
        assert app.user is not None and app.user.email == "bob@example.com"
        # Logging out removed Alice's screens, and Textual cancelled their calls with them:
        # her read's answer is never posted anywhere.
        assert not alice_home.is_attached
        assert [w.state for w in alices_read] == [WorkerState.CANCELLED]
        lists = app.screen.query_one(AppointmentList).lists
        assert lists is not None and lists.empty  # Bob's: no visit of Alice's
