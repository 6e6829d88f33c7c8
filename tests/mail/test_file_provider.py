"""The default `file` provider: parseable .eml files, named by time and id, written atomically."""

from __future__ import annotations

import email
import os
from email import policy

from doctorbook.core.mail.message import BODY_REMOVED_SENT
from doctorbook.core.mail.outbox import Attachment
from tests.mail.conftest import queue, row

INVITE = {"name": "Dr Who", "token": "SECRET-TOKEN-123", "email": "who@example.com",
          "expires_at": "2026-11-27 09:00 UTC"}


def test_file_provider_writes_a_parseable_eml_per_message(db, settings_for, dispatcher_for):
    settings = settings_for()  # file is the default
    ids = queue(db, 3, attachments=(Attachment("note.pdf", "application/pdf", b"%PDF-1.4"),))
    [invite] = queue(db, to="who@example.com", to_name="Dr Who", template="doctor_invite",
                     context=INVITE)

    assert dispatcher_for(settings).run_once().sent == 4

    files = sorted(p.name for p in settings.mail_dir.iterdir())
    assert len(files) == 4 and all(name.endswith(".eml") for name in files)
    # Sorted by time, then id; each name carries its outbox id.
    assert [int(name.removesuffix(".eml").rsplit("-", 1)[1]) for name in files] == [
        *ids, invite
    ]
    assert files[0].startswith("20261124T090000")
    for oid, name in zip([*ids, invite], files, strict=True):
        assert row(db, oid).provider_message_id == name

    parsed = email.message_from_bytes((settings.mail_dir / files[0]).read_bytes(),
                                      policy=policy.default)
    assert parsed["To"] == "Ann Smith <ann@example.com>"
    assert parsed["From"] == "City Clinic <clinic@doctorbook.test>"
    assert parsed["Message-ID"] == f"<{row(db, ids[0]).idempotency_key}@doctorbook.test>"
    assert "See you on Monday." in parsed.get_body(("plain",)).get_content()
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "note.pdf"
    assert attachment.get_content() == b"%PDF-1.4"

    html_mail = email.message_from_bytes((settings.mail_dir / files[3]).read_bytes(),
                                         policy=policy.default)
    assert html_mail.get_body(("plain",)) is not None
    assert "SECRET-TOKEN-123" in html_mail.get_body(("html",)).get_content()
    # No temporary files left behind; files are private to the owner.
    assert not [p for p in settings.mail_dir.iterdir() if p.name.startswith(".")]
    assert os.stat(settings.mail_dir / files[0]).st_mode & 0o077 == 0


def test_secret_bodies_are_blanked_once_sent(db, settings_for, dispatcher_for):
    [secret] = queue(db, to="who@example.com", template="doctor_invite", context=INVITE,
                     contains_secret=True)
    [plain] = queue(db)
    assert "SECRET-TOKEN-123" in row(db, secret).text_body
    dispatcher_for(settings_for()).run_once()
    sent = row(db, secret)
    assert sent.status == "sent"
    assert sent.text_body == BODY_REMOVED_SENT and sent.html_body == BODY_REMOVED_SENT
    assert sent.subject.startswith("You are invited")  # the subject stays for the admin
    assert "See you on Monday." in row(db, plain).text_body  # others keep theirs


def test_a_resend_replaces_the_same_file(db, settings_for, dispatcher_for, clock):
    """A dispatcher that dies after writing resends after its lease: still one file."""
    from datetime import timedelta

    settings = settings_for()
    [oid] = queue(db)
    dying = dispatcher_for(settings)
    claim = dying.claim()
    dying.send(claim)  # written, then "crash" before recording
    clock.advance(timedelta(seconds=settings.email_lease_seconds))
    assert dispatcher_for(settings).run_once().sent == 1
    assert len(list(settings.mail_dir.iterdir())) == 1
    assert row(db, oid).attempts == 2
