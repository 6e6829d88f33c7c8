"""The app outlives its database: the embedded server killed under an open app comes back."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doctorbook.core.base import embedded
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, open_database
from doctorbook.core.base.settings import Settings
from doctorbook.tui.app import DATABASE_BACK, DATABASE_UNAVAILABLE, make_app
from doctorbook.tui.screens.patient_home import PatientHomeScreen
from tests.conftest import make_user
from tests.tui.conftest import notifications, settle
from tests.tui.test_flows import SIZE, log_in


@pytest.fixture
def own_server(clock: FixedClock) -> Iterator[tuple[Settings, Database]]:
    """An embedded server of this test's own (the suite's shared one must not be killed)."""
    home = Path(tempfile.mkdtemp(prefix="dbk-outage-"))
    settings = Settings(home=home, config_dir=home, database_url=None)
    db = open_database(settings, clock=clock)
    try:
        yield settings, db
    finally:
        db.dispose()
        embedded.stop(settings.pgdata)
        shutil.rmtree(home, ignore_errors=True)


def kill_postmaster(pgdata: Path) -> None:
    """`kill -9` of the server, as an OOM killer or a careless admin would."""
    pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("the postmaster did not die")


async def test_a_killed_embedded_server_is_restarted_and_the_app_carries_on(
    own_server: tuple[Settings, Database],
) -> None:
    settings, db = own_server
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat Patient")
    app = make_app(settings=settings, db=db, store=None, restart_embedded=True)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "pat@example.com")
        assert isinstance(app.screen, PatientHomeScreen)

        kill_postmaster(settings.pgdata)
        await pilot.press("f5")  # refresh: the first action after the loss
        await settle(pilot)
        said = [message for _, message in notifications(app)]
        assert DATABASE_UNAVAILABLE in said
        assert not any("psycopg" in m or "Connection refused" in m for m in said)

        # It restarts the server by itself and says so within seconds.
        for _ in range(200):
            if DATABASE_BACK in [message for _, message in notifications(app)]:
                break
            await pilot.pause(0.05)
        assert DATABASE_BACK in [message for _, message in notifications(app)]
        app.clear_notifications()
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, PatientHomeScreen)
        assert [s for s, _ in notifications(app) if s == "error"] == []
        assert app.is_running
