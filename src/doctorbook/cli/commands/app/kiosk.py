"""`doctorbook kiosk`: the patient kiosk."""

from __future__ import annotations

from doctorbook.cli.commands.app.terminal import open_app
from doctorbook.cli.errors import translate_errors


@translate_errors
def kiosk() -> None:
    """Open the patient kiosk: patient screens only, no stored login, logout when idle."""
    # As `tui`: the console script opens it without Typer (doctorbook/launcher.py).
    open_app("kiosk")
