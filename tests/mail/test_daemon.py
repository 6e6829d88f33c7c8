"""The daemon loop in-process: polling with an injected wait, stopping, surviving outages."""

from __future__ import annotations

from datetime import timedelta

from doctorbook.core.base.db import Database, make_engine
from doctorbook.core.base.errors import DatabaseUnavailable
from doctorbook.core.mail.dispatcher import Dispatcher
from tests.mail.conftest import free_port, queue, row


def test_daemon_polls_sends_what_becomes_due_and_stops(db, settings_for, dispatcher_for,
                                                       clock):
    [now_due] = queue(db)
    dispatcher = dispatcher_for(settings_for(email_poll_seconds=7))
    pauses = []

    def wait(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 1:
            queue(db)  # something new arrives while we sleep
        elif len(pauses) == 2:
            clock.advance(timedelta(seconds=seconds))
        else:
            dispatcher.stop.set()  # what the SIGTERM handler does

    summary = dispatcher.run_forever(wait=wait)
    assert pauses == [7, 7, 7]
    assert summary.sent == 2
    assert row(db, now_due).status == "sent"


def test_daemon_reports_a_database_outage_and_keeps_polling(settings_for, clock):
    down = Database(
        engine=make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/none"), clock=clock
    )
    dispatcher = Dispatcher.from_settings(down, settings_for())
    errors = []
    polls = []

    def wait(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:
            dispatcher.stop.set()

    try:
        dispatcher.run_forever(wait=wait, on_error=errors.append)
    finally:
        dispatcher.close()
        down.dispose()
    assert len(errors) == 2 and len(polls) == 2
    # Core names the outage itself (the driver's error is chained behind it).
    assert isinstance(errors[0], DatabaseUnavailable)
    assert errors[0].code == "unavailable"


def test_stop_set_before_start_sends_nothing(db, settings_for, dispatcher_for):
    [oid] = queue(db)
    dispatcher = dispatcher_for(settings_for())
    dispatcher.stop.set()
    assert dispatcher.run_forever(wait=lambda s: None).sent == 0
    assert row(db, oid).status == "pending"
