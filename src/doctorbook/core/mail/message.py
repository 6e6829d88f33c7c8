"""An outbox row as a message ready to send, and its RFC 5322 form (`EmailMessage`)."""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.mail.outbox import Attachment

#: What a secret-carrying body becomes once it can no longer be sent (sent, or failed for good).
BODY_REMOVED_SENT = "[removed after sending: contained a one-time token]"
BODY_REMOVED_FAILED = "[removed after failing: contained a one-time token]"


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
    #: This attempt's number (1 for the first) and the most this row may have.
    attempt: int
    max_attempts: int
    #: Set when the stored row itself is unusable (say, an attachment that isn't base64).
    defect: str | None = None

    @property
    def message_id(self) -> str:
        return message_id(self.idempotency_key, self.sender)

    @property
    def from_header(self) -> str:
        return _mailbox(self.sender.name, self.sender.address)

    @property
    def to_header(self) -> str:
        return _mailbox(self.to_name or "", self.to_address)


# RFC 5322 dot-atom local part and a hostname: what nearly every address looks like. Matching
# it is ~20x cheaper than the stdlib header parser, which remains the judge of everything else.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_SIMPLE_ADDRESS = re.compile(
    rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9 ]*")


@functools.lru_cache(maxsize=1024)
def _mailbox(name: str, address: str) -> str:
    """`Name <address>` with the quoting RFC 5322 needs (the stdlib decides when in doubt)."""
    if _SIMPLE_NAME.fullmatch(name) and name == name.strip() and "  " not in name:
        return f"{name} <{address}>" if name else address
    return str(Address(display_name=name, addr_spec=address))


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
    if _SIMPLE_ADDRESS.fullmatch(address):
        return True
    try:
        parsed = Address(addr_spec=address)
    except Exception:
        # The stdlib parser signals bad input with several exception types (IndexError too).
        return False
    return bool(parsed.username) and bool(parsed.domain) and parsed.addr_spec == address


def problem(message: OutgoingMessage) -> str | None:
    """Why this message can never be sent as it is (checked before any provider sees it)."""
    if message.defect is not None:
        return message.defect
    if not is_valid_address(message.to_address):
        return f"invalid recipient address {message.to_address!r}"
    for label, value in (("recipient name", message.to_name or ""), ("subject", message.subject)):
        if "\n" in value or "\r" in value:
            return f"the {label} contains a line break"
    return None


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
        # "text/calendar; method=REQUEST": the type, then parameters the part keeps.
        kind, *raw_params = (p.strip() for p in attachment.content_type.split(";"))
        maintype, _, subtype = kind.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        params = dict(p.partition("=")[::2] for p in raw_params if "=" in p)
        mime.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename,
            params={k.strip(): v.strip() for k, v in params.items()},
        )
    return mime


def to_bytes(message: OutgoingMessage) -> bytes:
    """The message as sent on the wire: CRLF line endings, as RFC 5322 asks."""
    return to_mime(message).as_bytes(policy=policy.SMTP)
