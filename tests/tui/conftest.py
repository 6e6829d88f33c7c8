"""Helpers for driving the real app under Textual's pilot against the test database."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled, WorkerError, WorkerFailed

from doctorbook.core.accounts import auth
from doctorbook.core.accounts.session_store import MemoryStore, StoredSession
from doctorbook.core.base.db import Database
from doctorbook.core.base.errors import AuthenticationError
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.base.settings import Settings
from doctorbook.core.doctors import doctors, invites, specialties
from doctorbook.tui.app import DoctorbookApp, make_app
from doctorbook.tui.widgets.plain import Static
from tests.conftest import PASSWORD, make_user

TOKEN_RE = re.compile(r"doctorbook accept-invite (dbi_[A-Za-z0-9_-]+)")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, config_dir=tmp_path, database_url=None)


async def settle(pilot: Pilot[None], quiet_rounds: int = 3) -> None:
    """Wait until no worker runs and the messages they posted were handled."""
    app = pilot.app
    quiet = 0
    for _ in range(200):
        await pilot.pause()
        # A database being waited for (group "revive") is background work, not a reply.
        running = [w for w in app.workers if not w.is_finished and w.group != "revive"]
        if not running:
            quiet += 1
            if quiet >= quiet_rounds:
                return
            continue
        quiet = 0
        with contextlib.suppress(WorkerFailed, WorkerCancelled, WorkerError):
            await app.workers.wait_for_complete(running)
    raise AssertionError("the app's workers never settled")


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 15.0
) -> None:
    """Wait until `condition()` holds, however busy the machine: for things that happen in real
    time (a timer), where a fixed pause is too short under load and wastes time when idle."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await pilot.pause(0.05)


class FakeClock:
    """A monotonic clock that moves only when told to. Give it to `make_app(monotonic=...)`,
    then `advance` it and `await app.check_idle_logout()`: idle logout without real seconds."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """Focus an input on the current screen and type into it key by key (slow: ~50 ms a key)."""
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    await pilot.press(*text)


async def fill(pilot: Pilot[None], selector: str, text: str) -> None:
    """Focus an input and put text in it at once, as a paste would."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.pause()


async def steady_cursors(pilot: Pilot[None]) -> None:
    """Stop the cursors blinking, so a snapshot on a busy machine never catches one hidden."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


@pytest.fixture(autouse=True)
def notifications_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications stay up until cleared: a test reads them after its steps, and on a loaded
    machine those steps can take longer than a toast's 5-10 s, which made `said()` miss them."""
    notify = App.notify

    def lasting(self: App[object], message: str, **kwargs: Any) -> None:
        kwargs["timeout"] = 3600.0
        notify(self, message, **kwargs)

    monkeypatch.setattr(App, "notify", lasting)


def notifications(app: App[None]) -> list[tuple[str, str]]:
    """(severity, message) of every notification raised so far that is still shown (the
    `notifications_stay` fixture keeps each one until the app clears them)."""
    return [(n.severity, n.message) for n in app._notifications]


def logged_in_store(db: Database, email: str, password: str) -> MemoryStore:
    """A store holding a session opened through core, as a previous run would leave it."""
    with db.unit_of_work() as uow:
        result = auth.login(uow, email=email, password=password)
    store = MemoryStore()
    store.save(StoredSession(result.access_token, result.refresh_token, result.user.email))
    return store


# --- setting the clinic up through core, as an admin and doctors would ---------------------


def make_admin(db: Database, email: str = "ada@clinic.example", name: str = "Ada Admin") -> Actor:
    with db.unit_of_work() as uow:
        return make_user(uow, email=email, name=name, role=Role.ADMIN)


def add_specialties(db: Database, admin: Actor, *names: str) -> None:
    with db.unit_of_work() as uow:
        for name in names:
            specialties.add(uow, actor=admin, name=name)


def invite_token(db: Database, outbox_id: int) -> str:
    """The token of an invite, read from its e-mail as the doctor would."""
    with db.unit_of_work() as uow:
        row = uow.session.get(EmailOutbox, outbox_id)
        assert row is not None
        match = TOKEN_RE.search(row.text_body)
        assert match, row.text_body
        return match.group(1)


def invite(
    db: Database, admin: Actor, email: str, name: str, specialty_names: tuple[str, ...] = ()
) -> str:
    """Invite a doctor through core; the token from the e-mail."""
    with db.unit_of_work() as uow:
        view = invites.invite_doctor(
            uow, actor=admin, email=email, name=name, specialty_names=specialty_names
        )
    return invite_token(db, view.outbox_id)


def make_doctor(
    db: Database,
    admin: Actor,
    *,
    email: str,
    name: str,
    specialty_names: tuple[str, ...],
    city: str | None = "Berlin",
    clinic: str = "Central Clinic",
    price: str = "80",
    bio: str | None = None,
) -> int:
    """A doctor who accepted an invite; with a city the profile is complete (visible)."""
    token = invite(db, admin, email, name, specialty_names)
    with db.unit_of_work() as uow:
        user = invites.accept_invite(uow, token=token, password=PASSWORD)
    if city is not None:
        actor = Actor(user.id, Role.DOCTOR, user.email)
        with db.unit_of_work() as uow:
            doctors.update_profile(
                uow, actor=actor, clinic_name=clinic, city=city, timezone="Europe/Berlin",
                price=price, address="Hauptstr. 1", bio=bio,
            )
    return user.id


def ask_to_join(db: Database, email: str, name: str, message: str | None = None) -> int:
    with db.unit_of_work() as uow:
        return invites.request_join(uow, email=email, name=name, message=message).id


def account_for(db: Database, role: Role) -> str:
    """An admin, and (unless `role` is admin) one account of `role` made through core: the
    e-mail to log in with (a doctor has a specialty and a profile to land on)."""
    admin = make_admin(db)
    if role is Role.ADMIN:
        return admin.email
    if role is Role.DOCTOR:
        add_specialties(db, admin, "Cardiology")
        email = "house@clinic.example"
        make_doctor(db, admin, email=email, name="Gregory House", specialty_names=("Cardiology",))
        return email
    email = f"{role}@example.com"
    with db.unit_of_work() as uow:
        make_user(uow, email=email, name="Some One", role=role)
    return email


def binding_ids(app: App[None]) -> set[str]:
    """The ids of the bindings the current screen offers now."""
    return {b.binding.id for b in app.screen.active_bindings.values() if b.binding.id}


def row_values(table: object, index: int) -> list[object]:
    """A DataTable row as a person reads it: cells are literal Rich Text (people's text is never
    markup), compared here as their plain strings; numbers stay numbers."""
    from rich.text import Text
    from textual.widgets import DataTable

    assert isinstance(table, DataTable)
    return [str(cell) if isinstance(cell, Text) else cell for cell in table.get_row_at(index)]


NO_CRASH_NOTES = ("Unexpected", "Something went wrong")


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times shown in the terminal's local zone come out the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def app_for(settings: Settings, db: Database, email: str) -> DoctorbookApp:
    """The desk's app, already logged in as `email` (a session opened through core)."""
    return make_app(settings=settings, db=db, store=logged_in_store(db, email, PASSWORD))


def password_works(db: Database, email: str, password: str = PASSWORD) -> bool:
    try:
        with db.unit_of_work() as uow:
            auth.login(uow, email=email, password=password)
    except AuthenticationError:
        return False
    return True


def said(app: App[None], piece: str) -> bool:
    return any(piece in message for _, message in notifications(app))


def no_crash(app: DoctorbookApp) -> None:
    assert not app.crashed
    for _, message in notifications(app):
        assert not message.startswith(NO_CRASH_NOTES), message


def text_of(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())
