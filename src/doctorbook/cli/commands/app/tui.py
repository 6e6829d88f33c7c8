"""`doctorbook tui`: the staff and patient app."""

from __future__ import annotations

from doctorbook.cli.commands.app.terminal import open_app
from doctorbook.cli.errors import translate_errors


@translate_errors
def tui() -> None:
    """Open the terminal app (login, then the home screen of your role)."""
    # The console script runs `open_app` itself, without Typer (doctorbook/launcher.py); this
    # command is the same for `python -m doctorbook tui` and for the CLI's help.
    open_app("tui")
