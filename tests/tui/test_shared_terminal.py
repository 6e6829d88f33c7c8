"""A desk several receptionists share: staff logins end after idle time, and on a shared
terminal the app never reuses (or keeps) a login stored by the CLI."""

from __future__ import annotations

from doctorbook.core.db import Database
from doctorbook.core.rbac import Role
from doctorbook.core.session_store import MemoryStore
from doctorbook.core.settings import Settings, load_settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import logged_in_store, notifications, settle
from tests.tui.test_flows import SIZE, log_in


async def test_a_receptionist_who_walks_away_is_logged_out(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    store = MemoryStore()
    # 2 s instead of the default 15 minutes (a setting: staff_idle_seconds).
    app = make_app(settings=settings, db=db, store=store, idle_seconds=2.0)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "rita@example.com")
        assert isinstance(app.screen, StaffHomeScreen)
        await pilot.pause(2.5)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
        assert (
            "information", "You were logged out after 2 s without activity."
        ) in notifications(app)
        assert store.load() is None


def test_staff_idle_time_is_fifteen_minutes_unless_set(tmp_path) -> None:
    base = {"DOCTORBOOK_HOME": str(tmp_path)}
    assert load_settings(base).staff_idle_seconds == 900
    assert load_settings({**base, "DOCTORBOOK_STAFF_IDLE_SECONDS": "300"}).staff_idle_seconds \
        == 300
    assert load_settings(base).shared_terminal is False
    assert load_settings({**base, "DOCTORBOOK_SHARED_TERMINAL": "1"}).shared_terminal is True


async def test_a_stored_login_is_resumed_only_off_a_shared_terminal(
    settings: Settings, db: Database
) -> None:
    """The app resumes what the store holds; `run_tui` gives a shared terminal's app an empty
    in-memory store (checked end to end in test_terminal.py)."""
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    store = logged_in_store(db, "rita@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
