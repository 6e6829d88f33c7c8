"""`doctorbook patients enable ID|EMAIL`: let a disabled patient log in again (admin)."""

from __future__ import annotations

from doctorbook.cli.commands.patients.shown import named
from doctorbook.cli.commands.staff.disable import AccountRef
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def enable(account: AccountRef) -> None:
    """Enable a disabled patient's account."""
    from doctorbook.core.accounts import accounts

    view = CliContext.from_env().core.run(accounts.set_patient_active, ref=account, active=True)
    echo(f"enabled {named(view)}")
