"""Traces of unexpected errors: kept in a file only its owner can read, never shown on screen."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

#: Under the data directory (DOCTORBOOK_HOME), beside the database and the mail.
LOG_NAME = "logs/tui.log"


def log_path(home: Path) -> Path:
    return home / LOG_NAME


def record(home: Path, error: BaseException, *, where: str) -> Path:
    """Append `error`'s trace (no local variables: they may hold what people typed) to the log,
    creating it 0600 in a 0700 directory; returns the file. Never raises: a crash report that
    crashes would show exactly what it must hide."""
    path = log_path(home)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        entry = f"--- {stamp} unexpected error in {where} (pid {os.getpid()})\n{trace}\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, entry.encode("utf-8", "backslashreplace"))
        finally:
            os.close(fd)
    except OSError:
        pass
    return path
