"""The TUI's commands need a terminal: without one they say so instead of drawing into a pipe.

`open_app` is what `doctorbook tui` and `doctorbook kiosk` do. Nothing here imports Typer or
click before an error is to be reported: the console script (`doctorbook.launcher`) calls it
without loading the CLI, so the login form is drawn sooner (issue 13: first paint)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import typer

#: The commands that open the app, and whether each is the kiosk.
APP_COMMANDS: dict[str, bool] = {"tui": False, "kiosk": True}


def open_app(command: Literal["tui", "kiosk"]) -> None:
    """Refuse without a terminal, read the settings from the environment, run the app."""
    from doctorbook.core.base.settings import load_settings
    from doctorbook.tui.launch import run_tui

    require_terminal(command)
    run_tui(load_settings(), kiosk=APP_COMMANDS[command])


def require_terminal(command: str) -> None:
    """Refuse to start the app unless keys come from a terminal and it can draw on one.

    Textual reads keys on stdin and draws on stderr. Without a terminal (`ssh -T`, a command
    in place of sshd's forced one, cron, a pipe) the app would wait for ever on nothing."""
    if not (_is_terminal(sys.stdin) and _is_terminal(sys.__stderr__)):
        raise _refusal(f"doctorbook {command} needs a terminal (over SSH: ssh -t)")


def _refusal(message: str) -> typer.Exit:
    # The CLI's one-line error, exit 2; Typer is loaded only now that there is one to report.
    from doctorbook.cli.errors import EXIT_BAD_INPUT, fail

    return fail(message, EXIT_BAD_INPUT)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed stream
        return False
