"""`doctorbook patients disable ID|EMAIL --reason R`: switch an abusive account off (admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.patients.shown import named
from doctorbook.cli.commands.staff.disable import AccountRef
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def disable(
    account: AccountRef,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the account).")],
) -> None:
    """Disable a patient's account (admin): their sessions end and they can't log in; their
    visits stay, and the desk can still book for them."""
    from doctorbook.core.accounts import accounts

    view = CliContext.from_env().core.run(accounts.set_patient_active, ref=account, active=False,
                                          reason=reason)
    echo(f"disabled {named(view)}; their sessions ended")
