"""Helpers for driving the real app under Textual's pilot against the test database."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerError, WorkerFailed

from doctorbook.core import auth
from doctorbook.core.db import Database
from doctorbook.core.session_store import MemoryStore, StoredSession
from doctorbook.core.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, config_dir=tmp_path, database_url=None)


async def settle(pilot: Pilot[None], quiet_rounds: int = 3) -> None:
    """Wait until no worker runs and the messages they posted were handled."""
    app = pilot.app
    quiet = 0
    for _ in range(200):
        await pilot.pause()
        running = [w for w in app.workers if not w.is_finished]
        if not running:
            quiet += 1
            if quiet >= quiet_rounds:
                return
            continue
        quiet = 0
        with contextlib.suppress(WorkerFailed, WorkerCancelled, WorkerError):
            await app.workers.wait_for_complete(running)
    raise AssertionError("the app's workers never settled")


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


def notifications(app: App[None]) -> list[tuple[str, str]]:
    """(severity, message) of every notification raised so far that is still shown."""
    return [(n.severity, n.message) for n in app._notifications]


def logged_in_store(db: Database, email: str, password: str) -> MemoryStore:
    """A store holding a session opened through core, as a previous run would leave it."""
    with db.unit_of_work() as uow:
        result = auth.login(uow, email=email, password=password)
    store = MemoryStore()
    store.save(StoredSession(result.access_token, result.refresh_token, result.user.email))
    return store
