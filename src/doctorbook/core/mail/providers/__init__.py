"""The provider interface, its two kinds of failure, and choosing one from the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from doctorbook.core.base.errors import ConfigurationError

if TYPE_CHECKING:
    from doctorbook.core.base.clock import Clock
    from doctorbook.core.base.settings import Settings
    from doctorbook.core.mail.message import OutgoingMessage

#: Longest provider error text kept in last_error and logs: enough to diagnose, never a body.
MAX_ERROR_CHARS = 300


def one_line(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class DeliveryError(Exception):
    """A send attempt did not deliver; `str()` is a short line safe to store and log."""

    permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(one_line(message))
        #: Seconds the provider asked us to wait (HTTP Retry-After), if it said.
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """Worth retrying later: timeouts, connection errors, 4xx SMTP replies, 5xx/429 HTTP."""


class PermanentError(DeliveryError):
    """Retrying would fail the same way: refused recipient, malformed message, HTTP 4xx."""

    permanent = True


class Provider(Protocol):
    """Sends one message per call; one instance is used by one thread at a time."""

    def send(self, message: OutgoingMessage) -> str | None:
        """Deliver, returning the provider's message id if it gives one.

        Raises TransientError or PermanentError; any other exception counts as transient.
        """
        ...

    def close(self) -> None: ...


ProviderFactory = Callable[[], Provider]


def provider_factory(settings: Settings, clock: Clock) -> ProviderFactory:
    """A factory for the configured provider (each sender thread builds its own instance).

    Configuration is checked here, once, so a missing URL is a startup error rather than
    every message failing.
    """
    kind = settings.email_provider
    # Local imports: each provider module imports its errors from this package (a cycle at the
    # top), and only the chosen one loads its transport (httpx alone costs ~55 ms).
    if kind == "file":
        from doctorbook.core.mail.providers.file import FileProvider

        mail_dir = settings.mail_dir
        return lambda: FileProvider(mail_dir)
    if kind == "smtp":
        from doctorbook.core.mail.providers.smtp import SmtpConfig, SmtpProvider

        config = SmtpConfig.from_settings(settings)
        return lambda: SmtpProvider(config)
    if kind == "http":
        from doctorbook.core.mail.providers.http import HttpConfig, HttpProvider

        http_config = HttpConfig.from_settings(settings)
        return lambda: HttpProvider(http_config, clock=clock)
    raise ConfigurationError(f"unknown e-mail provider {kind!r} (file, smtp or http)")
