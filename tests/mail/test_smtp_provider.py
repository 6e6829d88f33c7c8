"""The smtp provider against a real loopback SMTP server (aiosmtpd) the test scripts."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest

from doctorbook.core.mail.outbox import Attachment
from doctorbook.core.mail.providers import PermanentError, TransientError
from doctorbook.core.mail.providers.smtp import classify
from tests.mail.conftest import free_port, queue, row


@pytest.fixture
def smtp_settings(settings_for, smtp_server):
    _handler, port = smtp_server
    return settings_for(email_provider="smtp", smtp_host="127.0.0.1", smtp_port=port)


def test_delivered_over_smtp(db, smtp_server, smtp_settings, dispatcher_for):
    handler, _ = smtp_server
    [oid] = queue(db, attachments=(Attachment("a.txt", "text/plain", b"hello"),))
    assert dispatcher_for(smtp_settings).run_once().sent == 1
    r = row(db, oid)
    assert r.status == "sent"
    assert r.provider_message_id == f"<{r.idempotency_key}@doctorbook.test>"
    [raw] = handler.received
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == r.provider_message_id
    assert parsed["To"] == "Ann Smith <ann@example.com>"
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["a.txt"]


def test_451_then_250_is_retried_then_sent(db, smtp_server, smtp_settings, dispatcher_for,
                                           clock):
    handler, _ = smtp_server
    handler.replies.append("451 4.3.0 try again later")
    [oid] = queue(db)
    dispatcher = dispatcher_for(smtp_settings)
    assert dispatcher.run_once().retried == 1
    r = row(db, oid)
    assert (r.status, r.attempts, r.last_error) == ("pending", 1,
                                                    "SMTP 451 4.3.0 try again later")
    clock.advance(timedelta(seconds=60))
    assert dispatcher.run_once().sent == 1
    assert row(db, oid).status == "sent"
    assert handler.data_commands == 2 and len(handler.received) == 1


def test_550_fails_at_once(db, smtp_server, smtp_settings, dispatcher_for):
    handler, _ = smtp_server
    handler.default = "550 5.7.1 message rejected"
    [oid] = queue(db)
    assert dispatcher_for(smtp_settings).run_once().failed == 1
    r = row(db, oid)
    assert (r.status, r.attempts, r.last_error) == ("failed", 1,
                                                    "SMTP 550 5.7.1 message rejected")


def test_refused_recipient_is_permanent_and_the_batch_goes_on(
    db, smtp_server, smtp_settings, dispatcher_for
):
    handler, _ = smtp_server
    handler.refuse["gone@example.com"] = "550 5.1.1 no such mailbox"
    handler.refuse["busy@example.com"] = "450 4.2.1 mailbox busy"
    [gone] = queue(db, to="gone@example.com")
    [busy] = queue(db, to="busy@example.com")
    [fine] = queue(db)
    summary = dispatcher_for(smtp_settings).run_once()
    assert (summary.sent, summary.retried, summary.failed) == (1, 1, 1)
    assert row(db, gone).status == "failed"
    assert "recipient refused: SMTP 550" in (row(db, gone).last_error or "")
    assert row(db, busy).status == "pending"
    assert row(db, fine).status == "sent"


def test_connection_refused_is_transient(db, settings_for, dispatcher_for):
    settings = settings_for(email_provider="smtp", smtp_host="127.0.0.1",
                            smtp_port=free_port())
    [oid] = queue(db)
    assert dispatcher_for(settings).run_once().retried == 1
    assert "SMTP connection failed" in (row(db, oid).last_error or "")


def test_classification_of_smtp_errors():
    import smtplib

    assert isinstance(classify(smtplib.SMTPDataError(452, b"full")), TransientError)
    assert isinstance(classify(smtplib.SMTPSenderRefused(553, b"no", "a@b")), PermanentError)
    assert isinstance(classify(smtplib.SMTPServerDisconnected("gone")), TransientError)
    assert isinstance(classify(TimeoutError()), TransientError)
    assert isinstance(classify(ConnectionRefusedError(111, "refused")), TransientError)
    refused = smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"unknown user")})
    assert isinstance(classify(refused), PermanentError)


def test_wrong_smtp_credentials_are_retried_not_failed_for_good():
    """A misconfigured password must not fail every queued e-mail at once."""
    import smtplib

    err = classify(smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"))
    assert isinstance(err, TransientError)
    assert "authentication failed" in str(err)
