"""The only source of "now": the system clock, or a fixed instant from DOCTORBOOK_NOW."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from doctorbook.core.base.errors import ConfigurationError

if TYPE_CHECKING:
    from doctorbook.core.base.settings import Settings


class Clock(Protocol):
    """Anything that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until told to move: demos, end-to-end tests."""

    instant: datetime
    _offset: timedelta = field(default=timedelta(0))

    def now(self) -> datetime:
        return self.instant + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant; a naive value is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"DOCTORBOOK_NOW is not an ISO-8601 instant: {text!r}"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_warned = False


def clock_for(settings: Settings, *, warn: bool = True) -> Clock:
    """The clock every command uses: `settings.now` (DOCTORBOOK_NOW) if set, else the system's."""
    return _clock(settings.now, warn=warn)


def clock_from_env(environ: dict[str, str] | None = None, *, warn: bool = True) -> Clock:
    """The same clock from the environment alone, for a caller that has no `Settings`."""
    env = os.environ if environ is None else environ
    return _clock(env.get("DOCTORBOOK_NOW", "").strip() or None, warn=warn)


def _clock(raw: str | None, *, warn: bool) -> Clock:
    """DOCTORBOOK_NOW's instant (announced once per process) or the system clock."""
    global _warned
    if raw is None or not raw.strip():
        return SystemClock()
    instant = parse_instant(raw)
    if warn and not _warned:
        _warned = True
        # stderr, not a logger: the warning is for the person at the terminal.
        print(
            f"doctorbook: DOCTORBOOK_NOW is set; the time is taken as {instant.isoformat()}",
            file=sys.stderr,
        )
    return FixedClock(instant)
