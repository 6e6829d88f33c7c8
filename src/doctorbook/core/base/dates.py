"""Days as people say them at a desk: today, tomorrow, fri, +3, or an ISO date."""

from __future__ import annotations

import re
from datetime import date, timedelta

from doctorbook.core.base.errors import ValidationError

#: What `parse_day` accepts, said once for every refusal, prompt and help text.
ACCEPTED = "today, tomorrow, yesterday, mon…sun, +3, -1 or YYYY-MM-DD"

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = {"today": 0, "tomorrow": 1, "yesterday": -1}
_OFFSET = re.compile(r"([+-]) ?([0-9]{1,4})")
#: ASCII digits only (`\d` would take other scripts' digits, which fromisoformat refuses).
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A step further than this is a typing slip, not a day anyone means (and date's range ends).
MAX_OFFSET = 3660


def _weekday(word: str) -> int | None:
    """0 for "mon" or "monday" (any case), None for anything else ("mo", "mond" included:
    only the whole name or its three letters, so a typo is refused, not guessed)."""
    for number, name in enumerate(_WEEKDAYS):
        if word in (name, name[:3]):
            return number
    return None


def parse_day(text: str, today: date) -> date:
    """The day `text` names, relative to `today` (the caller's today: a clinic's, a terminal's).

    - `today`, `tomorrow`, `yesterday`;
    - a weekday, whole or its first three letters (`fri`, `Friday`): the next such day,
      today included (on a Friday, `fri` is today; a week ahead is `+7`);
    - `+N` / `-N`: N days after or before today;
    - `YYYY-MM-DD`.

    Case and surrounding spaces don't matter. Anything else raises ValidationError saying what
    is accepted.
    """
    word = " ".join(str(text).split()).casefold()
    if word in _RELATIVE:
        return today + timedelta(days=_RELATIVE[word])
    weekday = _weekday(word)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    offset = _OFFSET.fullmatch(word)
    if offset is not None and int(offset[2]) <= MAX_OFFSET:
        days = int(offset[2]) * (1 if offset[1] == "+" else -1)
        try:
            return today + timedelta(days=days)
        except OverflowError:
            pass  # past year 9999 or before year 1: no such day, refused below
    elif _ISO.fullmatch(word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            pass  # 2026-02-30: refused below, with what is accepted
    shown = repr(str(text)[:40]) + ("…" if len(str(text)) > 40 else "")
    raise ValidationError(f"not a date: {shown}; write {ACCEPTED}")
