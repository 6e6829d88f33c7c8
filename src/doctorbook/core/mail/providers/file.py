"""The `file` provider: each message becomes an .eml file in the data directory (development)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from doctorbook.core.mail.message import OutgoingMessage, to_bytes
from doctorbook.core.mail.providers import TransientError


def file_name(message: OutgoingMessage) -> str:
    """`<queued at, UTC>-<outbox id>.eml`: sorts by time, and names one row the same way on
    every attempt, so a retry after a crash replaces the file instead of adding a second one.
    """
    stamp = message.created_at.strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{message.outbox_id:010d}.eml"


class FileProvider:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: OutgoingMessage) -> str | None:
        data = to_bytes(message)
        name = file_name(message)
        try:
            # Only we may list or read messages (mkstemp makes each file 0600): they carry
            # one-time tokens and patients' details.
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Write beside the target then rename: a reader never sees half a message.
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.directory / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            # A full disk or a permission problem may be fixed by the operator: retry.
            raise TransientError(f"cannot write {self.directory / name}: {exc.strerror}") from None
        return name

    def close(self) -> None:
        return None
