"""The `smtp` provider: the standard library's smtplib, one connection per message."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.mail.message import OutgoingMessage, to_mime
from doctorbook.core.mail.providers import DeliveryError, PermanentError, TransientError

if TYPE_CHECKING:
    from doctorbook.core.base.settings import Settings


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    ssl: bool
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        if settings.smtp_ssl and settings.smtp_starttls:
            raise ConfigurationError("choose one of smtp_ssl and smtp_starttls")
        if (settings.smtp_user is None) != (settings.smtp_password is None):
            raise ConfigurationError("smtp_user and smtp_password go together")
        return cls(
            host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
            password=settings.smtp_password, starttls=settings.smtp_starttls,
            ssl=settings.smtp_ssl, timeout=settings.smtp_timeout_seconds,
        )


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"SMTP {code} {message}"


def classify(exc: Exception) -> DeliveryError:
    """4xx replies, dropped connections and timeouts are transient; 5xx replies permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # We send to one recipient, so this is its verdict.
        code, text = next(iter(exc.recipients.values()), (550, b"recipient refused"))
        kind = TransientError if 400 <= code < 500 else PermanentError
        return kind("recipient refused: " + _reply(code, text))
    if isinstance(exc, smtplib.SMTPAuthenticationError) or (
        isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code in {530, 534, 535, 538}
    ):
        # Our credentials, not the message, are wrong: failing every queued e-mail for good
        # would lose them all; retrying gives the operator the backoff window to fix it.
        return TransientError("SMTP authentication failed: " + _reply(
            getattr(exc, "smtp_code", 535), getattr(exc, "smtp_error", b"")))
    if isinstance(exc, smtplib.SMTPResponseException):
        # Sender refused, data refused, HELO, connect: all carry a reply code.
        kind = PermanentError if 500 <= exc.smtp_code < 600 else TransientError
        return kind(_reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentError(f"SMTP server does not support what this message needs: {exc}")
    if isinstance(exc, TimeoutError):
        return TransientError("SMTP timeout")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TransientError(f"SMTP server disconnected: {exc}")
    if isinstance(exc, OSError):
        return TransientError(f"SMTP connection failed: {exc.strerror or exc}")
    return TransientError(f"SMTP error: {type(exc).__name__}: {exc}")


class SmtpProvider:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, message: OutgoingMessage) -> str | None:
        try:
            mime = to_mime(message)
        except ValueError as exc:
            raise PermanentError(f"message cannot be composed: {exc}") from None
        cfg = self.config
        client: smtplib.SMTP | None = None
        try:
            # One connection per message: no idle connection to go stale between cron runs,
            # and a failure never leaves a half-finished transaction for the next message.
            if cfg.ssl:
                client = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.starttls:
                client.starttls(context=ssl.create_default_context())
            if cfg.user is not None and cfg.password is not None:
                client.login(cfg.user, cfg.password)
            client.send_message(
                mime, from_addr=message.sender.address, to_addrs=[message.to_address]
            )
        except (smtplib.SMTPException, OSError) as exc:
            if client is not None:
                client.close()
            raise classify(exc) from None
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            # The server accepted the message; a failed goodbye must not cause a resend.
            client.close()
        # SMTP gives no portable id of its own; the Message-ID is what both ends can find.
        return message.message_id

    def close(self) -> None:
        return None
