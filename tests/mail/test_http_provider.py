"""The http provider against a real loopback server (pytest-httpserver), through the dispatcher."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.mail.providers import provider_factory
from tests.conftest import NOW
from tests.mail.conftest import free_port, queue, row, statuses


@pytest.fixture
def http_settings(settings_for, httpserver):
    return settings_for(email_provider="http", email_http_url=httpserver.url_for("/send"))


def test_message_id_under_another_key_or_none_at_all(db, httpserver, http_settings,
                                                     dispatcher_for):
    first, second = queue(db, 2)
    httpserver.expect_ordered_request("/send").respond_with_json({"message_id": "m-1"})
    httpserver.expect_ordered_request("/send").respond_with_data("accepted", status=200)
    dispatcher_for(http_settings).run_once()
    assert row(db, first).provider_message_id == "m-1"
    assert row(db, second).status == "sent" and row(db, second).provider_message_id is None


def test_503_then_200_is_sent_on_the_second_attempt_with_the_same_key(
    db, httpserver, http_settings, dispatcher_for, clock
):
    [oid] = queue(db)
    httpserver.expect_ordered_request("/send").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/send").respond_with_json({"id": "ok-2"})
    dispatcher = dispatcher_for(http_settings)
    assert dispatcher.run_once().retried == 1
    clock.advance(timedelta(seconds=60))
    assert dispatcher.run_once().sent == 1
    r = row(db, oid)
    assert (r.status, r.attempts, r.provider_message_id, r.last_error) == ("sent", 2, "ok-2", None)
    first, second = (req.headers["Idempotency-Key"] for req, _ in httpserver.log)
    assert first == second == r.idempotency_key


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("900", 900), ("Tue, 24 Nov 2026 10:00:00 GMT", 3600), ("5", 60)],
)
def test_429_honours_retry_after_when_longer_than_the_backoff(
    db, httpserver, http_settings, dispatcher_for, retry_after, expected
):
    [oid] = queue(db)
    httpserver.expect_request("/send").respond_with_data(
        "slow down", status=429, headers={"Retry-After": retry_after}
    )
    assert dispatcher_for(http_settings).run_once().retried == 1
    r = row(db, oid)
    assert r.status == "pending"
    assert (r.next_attempt_at - NOW).total_seconds() == expected


def test_jitter_spreads_the_retry_time(db, httpserver, http_settings, dispatcher_for):
    [oid] = queue(db)
    httpserver.expect_request("/send").respond_with_data("", status=500)
    dispatcher_for(http_settings, random=lambda: 0.0).run_once()
    assert (row(db, oid).next_attempt_at - NOW).total_seconds() == pytest.approx(48)


def test_400_fails_at_once(db, httpserver, http_settings, dispatcher_for):
    [oid] = queue(db)
    httpserver.expect_request("/send").respond_with_json({"error": "bad sender"}, status=400)
    summary = dispatcher_for(http_settings).run_once()
    assert (summary.sent, summary.retried, summary.failed) == (0, 0, 1)
    r = row(db, oid)
    assert (r.status, r.attempts) == ("failed", 1)
    assert r.last_error == "HTTP 400 BAD REQUEST: bad sender"
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(("senders", "batch"), [(1, 100), (3, 2)])
def test_one_bad_row_does_not_stop_the_batch(db, httpserver, http_settings, dispatcher_for,
                                             senders, batch):
    good1 = queue(db, 2)
    [bad_address] = queue(db, to="not-an-address")
    [refused] = queue(db, to="refused@example.com")
    good2 = queue(db, 2)

    def answer(request):
        from werkzeug import Response

        if json.loads(request.get_data())["to"].endswith("<refused@example.com>"):
            return Response('{"error": "mailbox unknown"}', status=422)
        return Response('{"id": "fine"}', status=200)

    httpserver.expect_request("/send").respond_with_handler(answer)
    logs = []
    summary = dispatcher_for(http_settings, on_attempt=logs.append, senders=senders,
                             batch=batch).run_once()
    assert (summary.sent, summary.failed) == (4, 2)
    assert all(row(db, i).status == "sent" for i in good1 + good2)
    assert row(db, bad_address).status == "failed"
    assert "invalid recipient address" in (row(db, bad_address).last_error or "")
    assert row(db, refused).last_error == "HTTP 422 UNPROCESSABLE ENTITY: mailbox unknown"
    assert len(httpserver.log) == 5  # the invalid address never reached the provider
    assert [log.outbox_id for log in logs] == sorted([*good1, bad_address, refused, *good2])


def test_connection_refused_is_transient(db, settings_for, dispatcher_for):
    [oid] = queue(db)
    settings = settings_for(email_provider="http",
                            email_http_url=f"http://127.0.0.1:{free_port()}/send")
    assert dispatcher_for(settings).run_once().retried == 1
    r = row(db, oid)
    assert r.status == "pending" and "HTTP connection failed" in (r.last_error or "")


def test_http_provider_needs_a_url(settings_for, clock):
    with pytest.raises(ConfigurationError, match="EMAIL_HTTP_URL"):
        provider_factory(settings_for(email_provider="http"), clock)
    with pytest.raises(ConfigurationError, match="http"):
        provider_factory(settings_for(email_provider="http", email_http_url="ftp://x/y"), clock)


def test_max_attempts_per_row_overrides_the_setting(db, httpserver, http_settings,
                                                    dispatcher_for):
    from doctorbook.core.base.models import EmailOutbox

    [oid] = queue(db)
    with db.unit_of_work() as uow:
        r = uow.session.get(EmailOutbox, oid)
        assert r is not None
        r.max_attempts = 1
        uow.commit()
    httpserver.expect_request("/send").respond_with_data("", status=502)
    assert dispatcher_for(http_settings).run_once().failed == 1
    assert statuses(db) == {"failed": 1}
