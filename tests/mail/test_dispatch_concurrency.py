"""Leases and SKIP LOCKED: crashed dispatchers, stale results, several dispatchers at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from doctorbook.core.base.db import Database, make_engine
from doctorbook.core.mail.dispatcher import LEASE_LOST, Outcome
from tests.mail.conftest import queue, row, statuses


class StubProvider:
    """Delivers nowhere; can pull the stop cord while a message is in flight."""

    def __init__(self, on_send=None) -> None:
        self.sent: list[int] = []
        self.on_send = on_send

    def send(self, message):
        if self.on_send is not None:
            self.on_send(message)
        self.sent.append(message.outbox_id)
        return f"stub-{message.outbox_id}"

    def close(self) -> None:
        return None


def test_crashed_dispatchers_rows_are_sent_once_after_the_lease_expires(
    db, sink, settings_for, dispatcher_for, clock
):
    settings = settings_for(email_provider="http", email_http_url=sink.url)
    ids = queue(db, 3)
    dying = dispatcher_for(settings, provider_factory=StubProvider)
    claim = dying.claim()
    assert [m.outbox_id for m in claim.messages] == ids
    assert statuses(db) == {"sending": 3}
    # ... and the dispatcher dies here, holding its lease.

    rescuer = dispatcher_for(settings)
    assert rescuer.run_once().batches == 0  # the lease still runs: hands off
    clock.advance(timedelta(seconds=settings.email_lease_seconds))
    assert rescuer.run_once().sent == 3

    assert statuses(db) == {"sent": 3}
    assert sorted(sink.keys.values()) == [1, 1, 1]
    assert set(sink.keys) == {row(db, i).idempotency_key for i in ids}
    assert all(row(db, i).attempts == 2 for i in ids)  # the lost attempt counts

    # The first dispatcher comes back to life and tries to record what it "sent": refused.
    stub_results = dying.send(claim)
    late = dying.record(claim, stub_results)
    assert all(log.error == LEASE_LOST for log in late.logs)
    assert all(row(db, i).provider_message_id.startswith("sink-") for i in ids)
    assert rescuer.run_once().batches == 0


def test_a_row_whose_lease_expires_at_its_last_attempt_fails(
    db, settings_for, dispatcher_for, clock
):
    settings = settings_for(email_max_attempts=2)
    [oid] = queue(db)
    for _ in range(2):
        dispatcher_for(settings, provider_factory=StubProvider).claim()  # dies, twice
        clock.advance(timedelta(seconds=settings.email_lease_seconds))
    provider = StubProvider()
    logs = []
    summary = dispatcher_for(settings, provider_factory=lambda: provider,
                             on_attempt=logs.append).run_once()
    assert summary.failed == 1 and provider.sent == []
    r = row(db, oid)
    assert (r.status, r.attempts) == ("failed", 2)
    assert "lease expired" in (r.last_error or "")
    assert [(log.outbox_id, log.result) for log in logs] == [(oid, Outcome.FAILED)]


def test_stop_finishes_the_message_in_flight_and_hands_back_the_rest(
    db, settings_for, dispatcher_for
):
    ids = queue(db, 6)
    holder = {}

    def pull_cord(message):
        if message.outbox_id == ids[1]:
            holder["dispatcher"].stop.set()  # SIGTERM arrives during the second send

    provider = StubProvider(on_send=pull_cord)
    dispatcher = dispatcher_for(settings_for(), provider_factory=lambda: provider, batch=10)
    holder["dispatcher"] = dispatcher
    summary = dispatcher.run_once()
    assert (summary.sent, summary.released) == (2, 4)
    assert provider.sent == ids[:2]
    assert [row(db, i).status for i in ids] == ["sent"] * 2 + ["pending"] * 4
    # Handed back untouched: no attempt counted, due at once for the next dispatcher.
    assert all(row(db, i).attempts == 0 and row(db, i).lease_until is None for i in ids[2:])


def test_sends_stop_before_the_lease_runs_out(db, settings_for, dispatcher_for, clock):
    ids = queue(db, 4)

    def slow(message):
        clock.advance(timedelta(seconds=100))  # each send "takes" 100 s of a 300 s lease

    provider = StubProvider(on_send=slow)
    dispatcher = dispatcher_for(settings_for(email_provider="file"),
                                provider_factory=lambda: provider, lease_margin=50)
    batch = dispatcher.dispatch_batch()
    # Sends start at 0, 100 and 200 s; at 300 s less than the 50 s margin of the lease is
    # left, so the last one waits for the next claim instead of outliving the lease.
    assert provider.sent == ids[:3]
    assert batch.released == 1
    assert dispatcher.run_once().sent == 1  # picked up again at once, under a new lease


def test_four_dispatchers_send_a_thousand_messages_exactly_once(
    db, fresh_db_url, sink, settings_for, clock
):
    from doctorbook.core.mail.dispatcher import Dispatcher

    settings = settings_for(email_provider="http", email_http_url=sink.url)
    with db.unit_of_work() as uow:
        # Bulk insert: the test is about dispatching, not about queueing one by one.
        from doctorbook.core.base.models import EmailOutbox

        now = clock.now()
        uow.session.add_all(
            EmailOutbox(kind="test", to_address=f"p{i}@example.com", to_name=None,
                        subject="Hello", text_body="Hi.", html_body=None, attachments=[],
                        status="pending", attempts=0, next_attempt_at=now,
                        idempotency_key=f"key-{i:05d}", created_at=now, updated_at=now)
            for i in range(1000)
        )
        uow.commit()

    start = threading.Barrier(4)
    summaries = []
    errors = []

    def run() -> None:
        database = Database(engine=make_engine(fresh_db_url), clock=clock)
        try:
            with Dispatcher.from_settings(database, settings, batch=50, senders=2) as d:
                start.wait()
                summaries.append(d.run_once())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            database.dispose()

    began = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert time.monotonic() - began < 20

    assert sum(s.sent for s in summaries) == 1000
    assert len(sink.keys) == 1000 and set(sink.keys.values()) == {1}
    assert statuses(db) == {"sent": 1000}
    assert sum(1 for s in summaries if s.sent) >= 2  # the work really was shared
