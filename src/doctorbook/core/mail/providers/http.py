"""The `http` provider: a JSON e-mail API over httpx, with the outbox key as Idempotency-Key."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from doctorbook.core.base.errors import ConfigurationError
from doctorbook.core.mail.message import OutgoingMessage
from doctorbook.core.mail.providers import DeliveryError, PermanentError, TransientError
from doctorbook.core.mail.retry import parse_retry_after

if TYPE_CHECKING:
    from doctorbook.core.base.clock import Clock
    from doctorbook.core.base.settings import Settings

MESSAGE_ID_KEYS = ("id", "message_id", "messageId", "MessageID")


@dataclass(frozen=True)
class HttpConfig:
    url: str
    token: str | None
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpConfig:
        url = settings.email_http_url
        if not url:
            raise ConfigurationError(
                "DOCTORBOOK_EMAIL_HTTP_URL must be set for the http e-mail provider"
            )
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise ConfigurationError(f"DOCTORBOOK_EMAIL_HTTP_URL is not a URL: {url!r}") from None
        if parsed.scheme not in {"http", "https"} or not parsed.host:
            raise ConfigurationError(f"DOCTORBOOK_EMAIL_HTTP_URL must be http(s): {url!r}")
        return cls(url=url, token=settings.email_http_token,
                   timeout=settings.email_http_timeout_seconds)


def payload(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON document: addresses with display names, both bodies, base64 attachments."""
    return {
        "from": message.from_header,
        "to": message.to_header,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "content": base64.b64encode(a.data).decode("ascii"),
            }
            for a in message.attachments
        ],
        "headers": {"Message-ID": message.message_id},
    }


def _error_detail(response: httpx.Response) -> str:
    """A short reason from the provider's answer (its `message`/`error` field), never our body."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str):
                return ": " + value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return ": " + str(value["message"])
    return ""


def _message_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None  # accepted without a JSON answer: delivered, just no id
    if not isinstance(body, dict):
        return None
    for key in MESSAGE_ID_KEYS:
        value = body.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)[:255]
    return None


class HttpProvider:
    """One httpx.Client (one connection pool) per instance, so per sender thread."""

    def __init__(
        self, config: HttpConfig, *, clock: Clock, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        headers = {"User-Agent": "doctorbook-dispatcher"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self.client = httpx.Client(
            # Explicit on every phase: a hung provider must not hold a lease forever.
            timeout=httpx.Timeout(config.timeout),
            headers=headers,
            # httpx's default transport never retries (retries=0); retrying is the outbox's
            # job, with backoff. A test may inject a transport.
            transport=transport,
        )

    def send(self, message: OutgoingMessage) -> str | None:
        body = json.dumps(payload(message), ensure_ascii=False).encode("utf-8")
        try:
            response = self.client.post(
                self.config.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": message.idempotency_key,
                },
            )
        except httpx.TimeoutException:
            raise TransientError("HTTP timeout") from None
        except httpx.TransportError as exc:
            raise TransientError(f"HTTP connection failed: {type(exc).__name__}: {exc}") from None
        return self._verdict(response)

    def _verdict(self, response: httpx.Response) -> str | None:
        status = response.status_code
        if 200 <= status < 300:
            return _message_id(response)
        reason = f"HTTP {status} {response.reason_phrase}{_error_detail(response)}"
        error: DeliveryError
        # 408 is the server timing out on us: a timeout like ours, so worth another try.
        if status in (408, 429) or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock.now())
            error = TransientError(reason, retry_after=retry_after)
        else:
            error = PermanentError(reason)
        raise error

    def close(self) -> None:
        self.client.close()
