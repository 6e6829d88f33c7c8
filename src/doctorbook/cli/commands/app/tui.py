"""`doctorbook tui`: the staff and patient app."""

from __future__ import annotations

from doctorbook.cli.commands.app.terminal import require_terminal
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors


@translate_errors
def tui() -> None:
    """Open the terminal app (login, then the home screen of your role)."""
    from doctorbook.tui.launch import run_tui

    require_terminal("tui")
    run_tui(CliContext.from_env().settings, kiosk=False)
