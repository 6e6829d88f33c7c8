"""Snapshots at 80x24 of the doctor, search and admin screens and the dialogs, on fixed data."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from doctorbook.core.base.db import Database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import make_app
from doctorbook.tui.screens.doctor_profile import DoctorProfileScreen
from doctorbook.tui.screens.doctors_joining import DoctorsJoiningScreen
from doctorbook.tui.screens.profile_form import ProfileFormScreen
from doctorbook.tui.screens.search import SearchScreen
from doctorbook.tui.screens.specialties import SpecialtiesScreen
from tests.conftest import PASSWORD, make_user
from tests.tui.conftest import (
    add_specialties,
    ask_to_join,
    fill,
    logged_in_store,
    make_admin,
    make_doctor,
    settle,
    steady_cursors,
)

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates shown in local time come out the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def clinic(db: Database) -> None:
    """An admin, three specialties, two visible doctors and a patient."""
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology", "General practice")
    make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                specialty_names=("Cardiology", "General practice"),
                bio="Hearts, blood pressure and check-ups for adults.")
    make_doctor(db, admin, email="dora@example.com", name="Dora Derm",
                specialty_names=("Dermatology",), clinic="Skin Practice", city="Hamburg",
                price="60.50")
    with db.unit_of_work() as uow:
        make_user(uow, email="ana@example.com", name="Ana García")


def test_accept_invite_screen(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    async def open_form(pilot: Pilot[None]) -> None:
        await pilot.press("f3")
        await pilot.pause()
        await fill(pilot, "#token", "dbi_example-token-from-the-e-mail")
        await fill(pilot, "#password", PASSWORD)
        await steady_cursors(pilot)

    app = make_app(settings=settings, db=db, store=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_form)


def test_request_join_screen(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    async def open_form(pilot: Pilot[None]) -> None:
        await pilot.press("f4")
        await pilot.pause()
        await fill(pilot, "#name", "Dr Jana Novak")
        await fill(pilot, "#email", "jana@example.com")
        await steady_cursors(pilot)

    app = make_app(settings=settings, db=db, store=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_form)


def test_doctor_profile_form(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology", "General practice")
    make_doctor(db, admin, email="henry@example.com", name="Henry Heart",
                specialty_names=("Cardiology",), city=None)
    store = logged_in_store(db, "henry@example.com", PASSWORD)

    async def open_profile(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ProfileFormScreen)
        await steady_cursors(pilot)

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_profile)


async def open_search(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SearchScreen)


def test_search_with_results(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)
    store = logged_in_store(db, "ana@example.com", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_search)


def test_public_doctor_profile(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)
    store = logged_in_store(db, "ana@example.com", PASSWORD)

    async def open_profile(pilot: Pilot[None]) -> None:
        await open_search(pilot)
        table = pilot.app.screen.query_one("#results", DataTable)
        table.focus()
        await pilot.press("down", "enter")  # the second row: Henry Heart
        await settle(pilot)
        assert isinstance(pilot.app.screen, DoctorProfileScreen)

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_profile)


async def open_specialties(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SpecialtiesScreen)


def test_admin_specialties(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    clinic(db)
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)
    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_specialties)


def test_rename_dialog(snap_compare: SnapCompare, settings: Settings, db: Database) -> None:
    clinic(db)
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)

    async def open_dialog(pilot: Pilot[None]) -> None:
        await open_specialties(pilot)
        await pilot.press("down", "r")
        await pilot.pause()
        await steady_cursors(pilot)

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)


def test_remove_confirm_dialog(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    clinic(db)
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)

    async def open_dialog(pilot: Pilot[None]) -> None:
        await open_specialties(pilot)
        await pilot.press("x")
        await pilot.pause()

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)


def test_admin_doctors_joining(
    snap_compare: SnapCompare, settings: Settings, db: Database
) -> None:
    admin = make_admin(db)
    add_specialties(db, admin, "Cardiology", "Dermatology", "General practice")
    ask_to_join(db, "jana@example.com", "Dr Jana Novak", "Cardiologist, 10 years in Prague")
    ask_to_join(db, "otto@example.com", "Otto Other")
    store = logged_in_store(db, "ada@clinic.example", PASSWORD)

    async def open_joining(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DoctorsJoiningScreen)
        await fill(pilot, "#invite-email", "henry@example.com")
        await fill(pilot, "#invite-name", "Henry Heart")
        await steady_cursors(pilot)

    app = make_app(settings=settings, db=db, store=store)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_joining)
