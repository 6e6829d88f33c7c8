"""`doctorbook staff disable ID|EMAIL --reason R`: switch a staff account off at once."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo

AccountRef = Annotated[str, typer.Argument(metavar="ID|EMAIL", help="The account's id or e-mail.",
                                           show_default=False)]


@translate_errors
def disable(
    account: AccountRef,
    reason: Annotated[str, typer.Option("--reason", help="Why (shown to other admins).")],
) -> None:
    """Disable a receptionist or admin: every session of theirs ends now (the last active
    admin can't be disabled)."""
    from doctorbook.core.accounts import accounts

    view = CliContext.from_env().core.run(accounts.set_staff_active, ref=account, active=False,
                                          reason=reason)
    echo(f"disabled {view.name} <{view.email}> ({view.role}); their sessions ended")
