"""The TUI's commands need a terminal: without one they say so instead of drawing into a pipe."""

from __future__ import annotations

import sys

from doctorbook.cli.errors import EXIT_BAD_INPUT, fail


def require_terminal(command: str) -> None:
    """Refuse to start the app unless keys come from a terminal and it can draw on one.

    Textual reads keys on stdin and draws on stderr. Without a terminal (`ssh -T`, a command
    in place of sshd's forced one, cron, a pipe) the app would wait for ever on nothing."""
    if not (_is_terminal(sys.stdin) and _is_terminal(sys.__stderr__)):
        raise fail(f"doctorbook {command} needs a terminal (over SSH: ssh -t)", EXIT_BAD_INPUT)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed stream
        return False
