"""Pilot tests of the real app on the real database: register, log in and out, roles, resume."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Static

from doctorbook.core.accounts import auth
from doctorbook.core.accounts.session_store import FileStore, MemoryStore
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, make_engine
from doctorbook.core.base.errors import AuthenticationError
from doctorbook.core.base.models import User
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.tui import crash_log
from doctorbook.tui.app import DATABASE_UNAVAILABLE, DoctorbookApp, make_app
from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
from doctorbook.tui.screens.help import HelpScreen
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.register import RegisterScreen
from doctorbook.tui.screens.staff_home import StaffHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import fill, logged_in_store, notifications, settle, type_into

SIZE = (80, 24)


def empty_state_text(app: DoctorbookApp) -> str:
    empty = app.screen.query_one("#appointments-empty", Static)
    assert empty.display
    return str(empty.render())


async def log_in(pilot: Pilot[None], email: str, password: str = PASSWORD) -> None:
    await fill(pilot, "#email", email)
    await fill(pilot, "#password", password)
    await pilot.press("enter")
    await settle(pilot)


async def test_register_then_see_empty_my_appointments(settings: Settings, db: Database) -> None:
    """Brief acceptance 1a: a new patient registers in the TUI and sees their appointments."""
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)
        await type_into(pilot, "#name", "Ana García")
        await pilot.press("enter")  # Enter moves to the next field ...
        await pilot.press(*"ana@example.com")
        await fill(pilot, "#password", PASSWORD)
        await fill(pilot, "#confirm", PASSWORD)
        await pilot.press("enter")  # ... and in the last one submits
        await settle(pilot)

        assert isinstance(app.screen, PatientHomeScreen)
        assert app.screen.sub_title == "Ana García · Patient"
        text = empty_state_text(app)
        assert "No appointments yet." in text
        assert "Press s to search for a doctor and book your first visit." in text
        assert ("information", "Welcome, Ana García! Your account is ready.") in notifications(app)
    with db.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.email == "ana@example.com")).one()
        assert user.role == "patient"
    assert app.store.load() is not None  # logged in, in the (memory) store


async def test_register_mismatched_confirmation_is_a_notification(
    settings: Settings, db: Database
) -> None:
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await fill(pilot, "#name", "Ana García")
        await fill(pilot, "#email", "ana@example.com")
        await fill(pilot, "#password", PASSWORD)
        await fill(pilot, "#confirm", PASSWORD + "x")
        await pilot.click("#create")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert ("error", "The two passwords do not match.") in notifications(app)
        # escape goes back to the login screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(User)).first() is None


async def test_register_refused_by_core_shows_its_message(
    settings: Settings, db: Database
) -> None:
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await fill(pilot, "#name", "Ana García")
        await fill(pilot, "#email", "not-an-email")
        await fill(pilot, "#password", "short")
        await fill(pilot, "#confirm", "short")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert ("error", "Not a valid e-mail address: 'not-an-email'") in notifications(app)


async def test_wrong_password_notifies_and_stays_on_login(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "pat@example.com", "not the password at all")
        assert isinstance(app.screen, LoginScreen)
        assert ("error", "Wrong e-mail or password") in notifications(app)
        assert app.user is None
    assert app.store.load() is None


async def test_logout_returns_to_a_fresh_login_and_revokes_the_session(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
        make_user(uow, email="bob@example.com", name="Bob Patient")
    store = MemoryStore()
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        first_login = app.screen
        await log_in(pilot, "pat@example.com")
        assert isinstance(app.screen, PatientHomeScreen)
        pat_home = app.screen
        stored = store.load()
        assert stored is not None and stored.email == "pat@example.com"

        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen is not first_login  # a fresh login screen, nothing typed in it
        assert app.current_mode == "login"
        assert app.user is None
        assert store.load() is None
        assert ("information", "You have logged out.") in notifications(app)

        # The next user gets screens of their own, not the previous user's.
        await log_in(pilot, "bob@example.com")
        assert isinstance(app.screen, PatientHomeScreen)
        assert app.screen is not pat_home
        assert app.screen.sub_title == "Bob Patient · Patient"
    with db.unit_of_work() as uow, pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=stored.access_token)


async def test_receptionist_sees_the_staff_home(settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@example.com", name="Rita Desk", role=Role.RECEPTIONIST)
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "rita@example.com")
        assert isinstance(app.screen, StaffHomeScreen)
        assert app.current_mode == "receptionist"
        assert app.screen.sub_title == "Rita Desk · Receptionist"
        assert "Front desk" in str(app.screen.query_one(".screen-title", Static).render())
        assert "Front desk · today's arrivals" in str(
            app.screen.query_one(".screen-title", Static).render())
        empty = app.screen.query_one("#arrivals-empty", Static)
        assert empty.display
        assert "No arrivals today." in str(empty.render())


async def test_doctor_gets_their_own_mode(settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="doc@example.com", name="Dr Who", role=Role.DOCTOR)
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "doc@example.com")
        assert isinstance(app.screen, DoctorHomeScreen)
        assert app.current_mode == "doctor"
        # The doctor's home is the dashboard of the next 14 days.
        await settle(pilot)
        empty = app.screen.query_one("#dashboard-empty", Static)
        assert empty.display
        assert str(empty.render()) == "No appointments in the next 14 days."


async def test_stored_session_skips_login(settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    store = logged_in_store(db, "pat@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert app.screen.sub_title == "Pat Patient · Patient"
        assert notifications(app) == []


async def test_expired_access_token_is_renewed_on_refresh(
    settings: Settings, db: Database, clock: FixedClock
) -> None:
    """With the file store the CLI also uses, so the per-profile refresh lock is taken too."""
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    before = logged_in_store(db, "pat@example.com", PASSWORD).load()
    assert before is not None
    store = FileStore(settings.config_dir / "sessions" / "default.json")
    store.save(before)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))  # past the 15-minute access token
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert notifications(app) == []
    after = store.load()
    assert after is not None
    assert after.access_token != before.access_token  # rotated, and kept in the store
    assert (settings.config_dir / "sessions" / "default.lock").exists()


async def test_session_ended_elsewhere_returns_to_login(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    store = logged_in_store(db, "pat@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        stored = store.load()
        assert stored is not None
        with db.unit_of_work() as uow:  # e.g. `doctorbook logout` in another terminal
            auth.logout(uow, access_token=stored.access_token)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert ("error", "The session has ended; log in again") in notifications(app)
    assert store.load() is None


async def test_help_screen_lists_the_keys_and_closes_with_escape(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    store = logged_in_store(db, "pat@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.keys)
        assert rows["f5 / r"] == "Refresh"
        assert rows["^l"] == "Log out"
        assert rows["f1 / ?"] == "Help"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PatientHomeScreen)


async def test_an_unexpected_error_is_a_notification_not_a_crash(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    app = make_app(settings=settings, db=db, store=None)
    async with app.run_test(size=SIZE) as pilot:
        db.engine.dispose()
        broken = db.engine.url.set(port=1)  # nothing listens there
        # The database every worker reaches core through (the app's `core`) is unreachable.
        app.db = app.core.db = Database(
            engine=make_engine(broken.render_as_string(hide_password=False)), clock=db.clock
        )
        await log_in(pilot, "pat@example.com")
        assert isinstance(app.screen, LoginScreen)
        [(severity, message)] = notifications(app)
        # A sentence, never the driver's text (it names hosts, ports, SQL); the trace is logged.
        assert (severity, message) == ("error", DATABASE_UNAVAILABLE)
        assert app.is_running
    log = crash_log.log_path(settings.home)
    assert "OperationalError" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


async def test_login_hint_is_shown_under_the_form(settings: Settings, db: Database) -> None:
    """The demo passes its accounts as a hint, so a first-time user knows how to get in."""
    app = make_app(settings=settings, db=db, store=None, login_hint="Demo  a@b.c / pw")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "a@b.c / pw" in str(app.screen.query_one("#login-hint", Static).render())
