"""Composition and retry arithmetic, without a database or a server."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.mail.message import (
    OutgoingMessage,
    Sender,
    is_valid_address,
    problem,
    sender_from,
    to_bytes,
)
from doctorbook.core.mail.outbox import Attachment
from doctorbook.core.mail.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def message(**overrides: object) -> OutgoingMessage:
    values: dict[str, object] = dict(
        outbox_id=7, kind="booking_confirmation", idempotency_key="k" * 32,
        sender=Sender("clinic@doctorbook.test", "City Clinic"), to_address="ann@example.com",
        to_name="Ann Smith", subject="Your visit on Monday", text="Plain words.\n",
        html="<p>Rich <b>words</b>.</p>\n",
        attachments=(Attachment("visit.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),),
        created_at=NOW, date=NOW, attempt=1, max_attempts=5,
    )
    values.update(overrides)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def test_message_has_text_and_html_alternatives_and_the_attachment():
    parsed = email.message_from_bytes(to_bytes(message()), policy=policy.default)
    assert parsed["From"] == "City Clinic <clinic@doctorbook.test>"
    assert parsed["To"] == "Ann Smith <ann@example.com>"
    assert parsed["Subject"] == "Your visit on Monday"
    assert parsed["Message-ID"] == f"<{'k' * 32}@doctorbook.test>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "multipart/mixed"
    # CRLF on the wire, as RFC 5322 wants.
    assert parsed.get_body(("plain",)).get_content() == "Plain words.\r\n"
    assert "<b>words</b>" in parsed.get_body(("html",)).get_content()
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "visit.ics"
    assert attachment.get_content_type() == "text/calendar"


def test_message_id_is_the_same_on_every_attempt():
    first = email.message_from_bytes(to_bytes(message()), policy=policy.default)
    later = email.message_from_bytes(
        to_bytes(message(attempt=3, date=NOW + timedelta(hours=1))), policy=policy.default
    )
    assert first["Message-ID"] == later["Message-ID"]
    other = email.message_from_bytes(to_bytes(message(idempotency_key="z" * 32)),
                                     policy=policy.default)
    assert other["Message-ID"] != first["Message-ID"]


def test_text_only_message_is_not_multipart():
    parsed = email.message_from_bytes(to_bytes(message(html=None, attachments=())),
                                      policy=policy.default)
    assert parsed.get_content_type() == "text/plain"


def test_non_ascii_names_are_encoded_and_round_trip():
    raw = to_bytes(message(to_name="José Müller", subject="Termin bestätigt"))
    assert all(b < 128 for b in raw)  # 7-bit on the wire
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["To"].addresses[0].display_name == "José Müller"
    assert parsed["Subject"] == "Termin bestätigt"


@pytest.mark.parametrize(
    ("address", "valid"),
    [("ann@example.com", True), ("ann", False), ("ann@", False), ("@example.com", False),
     ("a b@example.com", False), ("Ann <ann@example.com>", False),
     ("ann@example.com\nBcc: x@y.z", False), ("", False)],
)
def test_recipient_address_check(address, valid):
    assert is_valid_address(address) is valid
    assert (problem(message(to_address=address)) is None) is valid


def test_header_injection_is_a_problem_not_a_crash():
    assert "line break" in (problem(message(to_name="Ann\r\nBcc: evil@x.y")) or "")


def test_a_bad_sender_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        sender_from("not-an-address", "Clinic")
    assert sender_from("a@b.test", "Clinic").domain == "b.test"


def test_backoff_doubles_up_to_the_cap_with_jitter():
    p = RetryPolicy(max_attempts=10, base_seconds=60, cap_seconds=600, jitter=0.2)
    mid = lambda: 0.5  # noqa: E731 - no jitter
    assert [p.delay(n, mid) for n in range(1, 6)] == [60, 120, 240, 480, 600]
    assert p.delay(1, lambda: 0.0) == pytest.approx(48)  # -20 %
    assert p.delay(1, lambda: 1.0) == pytest.approx(72)  # +20 %
    assert p.delay(1, mid, retry_after=300) == 300  # the provider asked for longer
    assert p.delay(3, mid, retry_after=5) == 240  # ... or shorter: backoff wins


def test_retry_after_seconds_or_http_date():
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Tue, 24 Nov 2026 09:02:30 GMT", NOW) == 150
    assert parse_retry_after("Tue, 24 Nov 2026 08:00:00 GMT", NOW) == 0  # in the past
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("-5", NOW) == 0
