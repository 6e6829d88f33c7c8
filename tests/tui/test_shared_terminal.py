"""A desk several receptionists share: staff logins end after idle time, and on a shared
terminal the app never reuses (or keeps) a login stored by the CLI."""

from __future__ import annotations

from doctorbook.core.accounts import auth, identity
from doctorbook.core.accounts.session_store import MemoryStore, StoredSession
from doctorbook.core.base.db import Database
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings, load_settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import FakeClock, logged_in_store, notifications, settle, wait_until
from tests.tui.test_flows import SIZE, log_in


async def test_a_receptionist_who_walks_away_is_logged_out(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    store = MemoryStore()
    # 2 s instead of the default 15 minutes (a setting: staff_idle_seconds), on a fake clock
    # the test moves on itself (test_the_idle_timer_runs_in_real_time keeps the real one).
    clock = FakeClock()
    app = make_app(settings=settings, db=db, store=store, idle_seconds=2.0, monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "rita@example.com")
        assert isinstance(app.screen, StaffHomeScreen)
        clock.advance(1.9)
        await app.check_idle_logout()
        assert isinstance(app.screen, StaffHomeScreen)
        clock.advance(0.1)
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
        assert (
            "information", "You were logged out after 2 s without activity."
        ) in notifications(app)
        assert store.load() is None


async def test_the_idle_timer_runs_in_real_time(settings: Settings, db: Database) -> None:
    """The one idle test on the real clock: the app's own timer logs a user out."""
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    # Logged in from the store (no typing, which a 0.5 s idle time could race); then nothing.
    store = logged_in_store(db, "rita@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store, idle_seconds=0.5)
    said = ("information", "You were logged out after 0.5 s without activity.")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: said in notifications(app), "the idle logout")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
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


def _log_in_elsewhere(db: Database, store: MemoryStore, email: str) -> StoredSession:
    """What `doctorbook login` in another terminal of the same profile leaves in its store."""
    with db.unit_of_work() as uow:
        result = auth.login(uow, email=email, password=PASSWORD)
    stored = StoredSession(result.access_token, result.refresh_token, result.user.email)
    store.save(stored)
    return stored


def _rita_and_ada(db: Database) -> MemoryStore:
    """A receptionist logged in (the profile's store) and an admin who will log in elsewhere."""
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
        make_user(uow, email="ada@example.com", name="Ada Admin", role=Role.ADMIN)
    return logged_in_store(db, "rita@example.com", PASSWORD)


def _still_valid(db: Database, stored: StoredSession) -> bool:
    with db.unit_of_work() as uow:
        return identity.authenticate(uow, access_token=stored.access_token).role is Role.ADMIN


async def test_a_login_as_someone_else_in_the_same_profile_ends_this_one(
    settings: Settings, db: Database
) -> None:
    """Terminals of one profile share its stored login. When another logs in as someone else,
    this app must not carry on as them (a receptionist's screens acting as the admin): its
    next call takes it back to the login form, and the other login is left as it is."""
    store = _rita_and_ada(db)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
        ada = _log_in_elsewhere(db, store, "ada@example.com")
        await pilot.press("f5")  # any call as the user
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login form")
        assert app.user is None
        assert any("logged in as someone else" in text for _, text in notifications(app))
        assert store.load() == ada and _still_valid(db, ada)
        # Logging in here again works, and is this app's own login from then on.
        await log_in(pilot, "rita@example.com")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffHomeScreen), "the home")
        stored = store.load()
        assert stored is not None and stored.email == "rita@example.com"


async def test_logging_out_leaves_a_login_made_since_by_someone_else(
    settings: Settings, db: Database
) -> None:
    store = _rita_and_ada(db)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
        ada = _log_in_elsewhere(db, store, "ada@example.com")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login form")
        await settle(pilot)
        assert store.load() == ada and _still_valid(db, ada)
