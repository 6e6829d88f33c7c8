"""Snapshots at 80x24 of the login, register and patient home (empty) screens."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import logged_in_store, settle, steady_cursors

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


async def settled(pilot: Pilot[None]) -> None:
    """Quiet, with the focused field's cursor shown: on a busy machine the wait can outlast
    a blink, and the snapshot would catch the cursor hidden."""
    await settle(pilot)
    await steady_cursors(pilot)


def test_login_screen(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    app = make_app(settings=settings, db=db, store=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


def test_register_screen(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    async def open_register(pilot: Pilot[None]) -> None:
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press(*"Ana")
        await steady_cursors(pilot)

    app = make_app(settings=settings, db=db, store=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_register)


def test_kiosk_login_screen(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    app = make_app(settings=settings, db=db, store=None, kiosk=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


def test_patient_home_empty(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="ana@example.com", name="Ana García")
    store = logged_in_store(db, "ana@example.com", PASSWORD)

    async def until_home(pilot: Pilot[None]) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, PatientHomeScreen)

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=until_home)


def test_help_screen(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email="ana@example.com", name="Ana García")
    store = logged_in_store(db, "ana@example.com", PASSWORD)

    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_help)
