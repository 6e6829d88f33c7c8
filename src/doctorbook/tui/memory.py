"""What the day view remembers per user between sessions: the last doctor and date shown.

A tiny JSON file in the config dir (`dayview.json`, 0600), `{"<user id>": {"doctor_id": 7,
"day": "2026-11-25"}}`. It is a convenience: a missing, unreadable or edited file is read as
"nothing remembered", and a failure to write it is never the user's problem.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from doctorbook.core.base.locks import file_lock

FILE_NAME = "dayview.json"
#: A file bigger than this was not written here: read as nothing remembered.
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class DayMemory:
    doctor_id: int
    day: date


def _path(config_dir: Path) -> Path:
    return config_dir / FILE_NAME


def _read(path: Path) -> dict[str, Any]:
    """Every user's entry; {} when the file is missing or not what this module writes."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def recall(config_dir: Path, user_id: int) -> DayMemory | None:
    """The doctor and day `user_id` last looked at, if remembered and well-formed."""
    entry = _read(_path(config_dir)).get(str(user_id))
    if not isinstance(entry, dict):
        return None
    doctor_id, day = entry.get("doctor_id"), entry.get("day")
    if isinstance(doctor_id, bool) or not isinstance(doctor_id, int) or doctor_id < 1:
        return None
    if not isinstance(day, str):
        return None
    try:
        return DayMemory(doctor_id, date.fromisoformat(day))
    except ValueError:
        return None


def remember(config_dir: Path, user_id: int, memory: DayMemory) -> None:
    """Keep `memory` for `user_id`, next to the other users' entries (best effort)."""
    path = _path(config_dir)
    # The lock keeps two terminals of one OS account (two desk users) from dropping each
    # other's entry between the read and the write.
    with contextlib.suppress(OSError), file_lock(path.with_suffix(".lock")):
        data = _read(path)
        data[str(user_id)] = {"doctor_id": memory.doctor_id, "day": memory.day.isoformat()}
        tmp = path.with_suffix(".tmp")
        # Created 0600 from the start: who looked at which doctor is nobody else's business.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
