"""Brief 5 (notifications), acceptance a and b, against a real loopback HTTP provider.

5a: "Given a booking is created, then a confirmation email is queued and marked sent upon
provider success" -- booking arrives in a later issue, so an enqueued row stands in for the
confirmation; the path from queue to `sent` is the same.
5b: "Given an email send fails transiently, then it is retried with backoff and eventually
marked failed after max attempts." The SMTP variants are in tests/mail/test_smtp_provider.py.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.mail.outbox import Attachment
from tests.conftest import NOW
from tests.mail.conftest import TOKEN, queue, row


@pytest.fixture
def http_settings(settings_for, httpserver):
    return settings_for(email_provider="http", email_http_url=httpserver.url_for("/send"))


def test_5a_queued_email_is_marked_sent_with_the_providers_id(
    db, httpserver, http_settings, dispatcher_for
):
    """Acceptance 5a, with an enqueued row standing in for the booking confirmation."""
    [oid] = queue(db, attachments=(Attachment("visit.ics", "text/calendar", b"BEGIN"),))
    assert row(db, oid).status == "pending"
    httpserver.expect_ordered_request("/send", method="POST").respond_with_json(
        {"id": "prov-123"}, status=202
    )

    summary = dispatcher_for(http_settings).run_once()

    assert (summary.sent, summary.retried, summary.failed) == (1, 0, 0)
    sent = row(db, oid)
    assert sent.status == "sent"
    assert sent.provider_message_id == "prov-123"
    assert sent.sent_at == NOW and sent.lease_until is None and sent.attempts == 1
    [(request, _response)] = httpserver.log
    assert request.headers["Idempotency-Key"] == sent.idempotency_key
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.get_data())
    assert body["from"] == "City Clinic <clinic@doctorbook.test>"
    assert body["to"] == "Ann Smith <ann@example.com>"
    assert body["subject"] == "Your appointment"
    assert body["text"].strip() == "See you on Monday."
    assert body["html"] is None
    assert body["attachments"] == [{"filename": "visit.ics", "content_type": "text/calendar",
                                    "content": base64.b64encode(b"BEGIN").decode()}]
    assert body["headers"]["Message-ID"] == f"<{sent.idempotency_key}@doctorbook.test>"


def test_5b_transient_failures_retry_with_backoff_then_fail_after_max_attempts(
    db, httpserver, http_settings, dispatcher_for, clock: FixedClock
):
    """Acceptance 5b: retried with growing delays, failed after max attempts, error kept."""
    [oid] = queue(db)
    httpserver.expect_request("/send").respond_with_json(
        {"message": "upstream overloaded"}, status=503
    )
    dispatcher = dispatcher_for(http_settings)  # 5 attempts, base 60 s, no jitter

    delays = []
    for attempt in range(1, 5):
        summary = dispatcher.run_once()
        assert summary.retried == 1
        r = row(db, oid)
        assert (r.status, r.attempts) == ("pending", attempt)
        assert r.last_error == "HTTP 503 SERVICE UNAVAILABLE: upstream overloaded"
        delays.append((r.next_attempt_at - clock.now()).total_seconds())
        assert dispatcher.run_once().batches == 0  # not due yet: nothing is sent early
        clock.advance(r.next_attempt_at - clock.now())
    assert delays == [60, 120, 240, 480]

    assert dispatcher.run_once().failed == 1
    failed = row(db, oid)
    assert (failed.status, failed.attempts) == ("failed", 5)
    assert failed.last_error == "HTTP 503 SERVICE UNAVAILABLE: upstream overloaded"
    keys = {req.headers["Idempotency-Key"] for req, _ in httpserver.log}
    assert len(httpserver.log) == 5 and keys == {failed.idempotency_key}
    clock.advance(timedelta(days=1))
    assert dispatcher.run_once().batches == 0  # failed for good


def test_5b_over_smtp_a_4xx_server_is_retried_with_backoff_then_failed(
    db, smtp_server, settings_for, dispatcher_for, clock: FixedClock
):
    """Acceptance 5b against a real loopback SMTP server that keeps answering 451."""
    handler, port = smtp_server
    handler.default = "451 4.3.0 mailbox busy, try later"
    settings = settings_for(email_provider="smtp", smtp_host="127.0.0.1", smtp_port=port)
    [oid] = queue(db)
    dispatcher = dispatcher_for(settings)

    delays = []
    for _ in range(4):
        assert dispatcher.run_once().retried == 1
        r = row(db, oid)
        delays.append((r.next_attempt_at - clock.now()).total_seconds())
        clock.advance(r.next_attempt_at - clock.now())
    assert delays == [60, 120, 240, 480]
    assert dispatcher.run_once().failed == 1
    failed = row(db, oid)
    assert (failed.status, failed.attempts) == ("failed", 5)
    assert failed.last_error == "SMTP 451 4.3.0 mailbox busy, try later"
    assert handler.data_commands == 5 and handler.received == []
