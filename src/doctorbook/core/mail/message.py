"""An outbox row as a message ready to send, and its RFC 5322 form (`EmailMessage`)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from doctorbook.core.errors import ConfigurationError
from doctorbook.core.outbox import Attachment

#: What a secret-carrying body becomes once it can no longer be sent (sent, or failed for good).
SECRET_REMOVED_SENT = "[removed after sending: contained a one-time token]"
SECRET_REMOVED_FAILED = "[removed after failing: contained a one-time token]"


@dataclass(frozen=True)
class Sender:
    address: str
    name: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a provider needs for one attempt; never an ORM row (it crosses threads)."""

    outbox_id: int
    kind: str
    idempotency_key: str
    sender: Sender
    to_address: str
    to_name: str | None
    subject: str
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    created_at: datetime
    #: The instant of this attempt (the Date header); everything else is the same every attempt.
    date: datetime
    attempt: int

    @property
    def message_id(self) -> str:
        return message_id(self.idempotency_key, self.sender)

    @property
    def from_header(self) -> str:
        return str(Address(display_name=self.sender.name, addr_spec=self.sender.address))

    @property
    def to_header(self) -> str:
        return str(Address(display_name=self.to_name or "", addr_spec=self.to_address))


def sender_from(address: str, name: str) -> Sender:
    """The configured sender, checked once: a bad one would fail every message alike."""
    if not is_valid_address(address):
        raise ConfigurationError(f"email_from is not a valid e-mail address: {address!r}")
    if "\n" in name or "\r" in name:
        raise ConfigurationError("email_from_name must be one line")
    return Sender(address=address, name=name)


def message_id(idempotency_key: str, sender: Sender) -> str:
    """A Message-ID that every attempt of one outbox row shares, so receivers can dedupe."""
    return f"<{idempotency_key}@{sender.domain or 'doctorbook.invalid'}>"


def is_valid_address(address: str) -> bool:
    """A plain addr-spec (`local@domain`), no display name, no line breaks."""
    if not address or address != address.strip() or "@" not in address:
        return False
    try:
        parsed = Address(addr_spec=address)
    except Exception:
        # The stdlib parser signals bad input with several exception types (IndexError too).
        return False
    return bool(parsed.username) and bool(parsed.domain) and parsed.addr_spec == address


def attachments_from_json(items: Sequence[Mapping[str, Any]]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            filename=str(item["filename"]),
            content_type=str(item.get("content_type") or "application/octet-stream"),
            data=base64.b64decode(str(item["data_b64"])),
        )
        for item in items
    )


def to_mime(message: OutgoingMessage) -> EmailMessage:
    """The RFC 5322 message: text and HTML alternatives, then attachments.

    Raises ValueError (or a subclass) for content that can't be a valid message, such as a
    line break smuggled into a header: that is a permanent failure, not worth a retry.
    """
    mime = EmailMessage()
    mime["From"] = message.from_header
    mime["To"] = message.to_header
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.date)
    mime["Message-ID"] = message.message_id
    # RFC 3834: vacation responders and the like should not answer automated mail.
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        mime.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return mime


def to_bytes(message: OutgoingMessage) -> bytes:
    """The message as sent on the wire: CRLF line endings, as RFC 5322 asks."""
    from email import policy

    return to_mime(message).as_bytes(policy=policy.SMTP)
