"""When to try again: exponential backoff with jitter, and reading HTTP's Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

#: A provider asking for more than a day is ignored beyond that: the mail should still go.
MAX_RETRY_AFTER_SECONDS = 86_400.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 60.0
    cap_seconds: float = 3600.0
    #: ±20 %: dispatchers that failed together (a provider outage) don't all return together.
    jitter: float = 0.2

    def delay(
        self, attempts: int, random: Callable[[], float], retry_after: float | None = None
    ) -> float:
        """Seconds until the next try after `attempts` attempts (1 after the first failure)."""
        exponential = self.base_seconds * 2.0 ** max(0, attempts - 1)
        spread = 1.0 + self.jitter * (2.0 * random() - 1.0)
        delay = min(self.cap_seconds, exponential * spread)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return max(0.0, delay)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from now: either delta-seconds or an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN is no answer
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None  # RFC 9110 dates are GMT; a zoneless one is malformed
    return max(0.0, (when - now).total_seconds())
