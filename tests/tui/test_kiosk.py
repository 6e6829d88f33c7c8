"""Kiosk mode: patients only, no way out to a shell, idle logout, tokens only in memory."""

from __future__ import annotations

from sqlalchemy import select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from doctorbook.core.accounts.session_store import MemoryStore
from doctorbook.core.base.db import Database
from doctorbook.core.base.models import AuthSession, User
from doctorbook.core.base.rbac import Role
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import KioskApp, make_app
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from doctorbook.tui.screens.register import RegisterScreen
from doctorbook.tui.screens.search import SearchScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    FakeClock,
    add_specialties,
    binding_ids,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    notifications,
    settle,
)

SIZE = (80, 24)


def revoked(db: Database, email: str) -> list[bool]:
    """For each session the user ever had: is it revoked?"""
    with db.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        rows = uow.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id))
        return [row.revoked_at is not None for row in rows]


async def log_in(pilot: Pilot[None], email: str) -> None:
    await fill(pilot, "#email", email)
    await fill(pilot, "#password", PASSWORD)
    await pilot.press("enter")
    await settle(pilot)


async def test_kiosk_refuses_staff_and_revokes_their_session(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="doc@example.com", name="Dr Who", role=Role.DOCTOR)
    app = make_app(settings=settings, db=db, store=None, kiosk=True)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "doc@example.com")
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
        assert ("error", "The kiosk is for patients") in notifications(app)
        assert app.store.load() is None
    assert revoked(db, "doc@example.com") == [True]


async def test_kiosk_logs_a_patient_out_when_idle(settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    # Idle time is measured on a fake clock, checked when the test says: no real waiting, so
    # a busy machine can neither log the patient out early nor space the keys out.
    clock = FakeClock()
    app = make_app(
        settings=settings, db=db, store=None, kiosk=True, idle_seconds=2.0, monotonic=clock
    )
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "pat@example.com")
        assert isinstance(app.screen, PatientHomeScreen)
        # Activity keeps the session: a key every 1.5 s for longer than the idle time.
        for _ in range(4):
            clock.advance(1.5)
            await pilot.press("down")
            await app.check_idle_logout()
        assert isinstance(app.screen, PatientHomeScreen)
        assert app.user is not None
        # Then nobody touches it: not quite the idle time yet...
        clock.advance(1.9)
        await app.check_idle_logout()
        assert isinstance(app.screen, PatientHomeScreen)
        # ...and then all of it.
        clock.advance(0.1)
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
        assert (
            "information", "You were logged out after 2 s without activity."
        ) in notifications(app)
        assert app.store.load() is None
    assert revoked(db, "pat@example.com") == [True]


async def test_kiosk_forgets_a_half_typed_form_when_idle(
    settings: Settings, db: Database
) -> None:
    clock = FakeClock()
    app = make_app(
        settings=settings, db=db, store=None, kiosk=True, idle_seconds=2.0, monotonic=clock
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        await pilot.press(*"Ana")
        clock.advance(1.9)
        await app.check_idle_logout()
        assert isinstance(app.screen, RegisterScreen)
        clock.advance(0.1)
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await fill(pilot, "#email", "someone@example.com")
        await pilot.press("tab")
        clock.advance(1.9)
        await app.check_idle_logout()
        assert app.screen.query_one("#email", Input).value == "someone@example.com"
        clock.advance(0.1)
        await app.check_idle_logout()
        await settle(pilot)
        assert app.screen.query_one("#email", Input).value == ""


async def test_kiosk_has_no_way_to_quit(settings: Settings, db: Database) -> None:
    app = make_app(settings=settings, db=db, store=None, kiosk=True)
    assert isinstance(app, KioskApp)
    assert app.ENABLE_COMMAND_PALETTE is False
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+p"):
            await pilot.press(key)
            await pilot.pause()
        assert not app._exit
        assert isinstance(app.screen, LoginScreen)
        assert not isinstance(app.screen, CommandPalette)
        await app.action_quit()
        await pilot.pause()
        assert not app._exit
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        assert "quit" not in shown


async def test_kiosk_never_uses_a_stored_session(settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    store = logged_in_store(db, "pat@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store, kiosk=True)
    assert isinstance(app.store, MemoryStore) and app.store is not store
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "pat@example.com")
        assert isinstance(app.screen, PatientHomeScreen)
    stored = store.load()
    assert stored is not None and stored.email == "pat@example.com"
    # the kiosk's own login went to its memory store, not the one it was given
    assert app.store.load() is not None and app.store.load() != stored


async def test_kiosk_offers_doctors_no_way_in_but_patients_may_search(
    settings: Settings, db: Database
) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology")
    make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                specialty_names=("Cardiology",))
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    # The kiosk's own idle time (2 min), on a clock that moves only when the test says so.
    clock = FakeClock()
    app = make_app(settings=settings, db=db, store=None, kiosk=True, monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not {"accept-invite", "request-join"} & binding_ids(app)
        assert not app.screen.query("#doctor-hint")
        for key in ("f3", "f4"):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen) is LoginScreen

        await log_in(pilot, "pat@example.com")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        table = app.screen.query_one("#results", DataTable)
        assert table.row_count == 1
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoctorProfileScreen)
        # Left alone on a doctor's profile, the kiosk still logs out and forgets the screens.
        clock.advance(app.idle_seconds)
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.user is None
