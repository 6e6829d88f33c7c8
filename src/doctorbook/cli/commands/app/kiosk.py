"""`doctorbook kiosk`: the patient kiosk."""

from __future__ import annotations

from doctorbook.cli.commands.app.terminal import require_terminal
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors


@translate_errors
def kiosk() -> None:
    """Open the patient kiosk: patient screens only, no stored login, logout when idle."""
    from doctorbook.tui.launch import run_tui

    require_terminal("kiosk")
    run_tui(CliContext.from_env().settings, kiosk=True)
