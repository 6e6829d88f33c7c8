"""`doctorbook account email NEW`: change your e-mail address, once the new one confirms it."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def email(
    new: Annotated[str, typer.Argument(metavar="NEW", help="The new address.",
                                       show_default=False)],
) -> None:
    """Send a confirmation code to the new address; your e-mail changes when it is confirmed
    (doctorbook account confirm-email CODE, within 24 h)."""
    from doctorbook.core.accounts import accounts

    CliContext.from_env().core.run(accounts.request_email_change, new_email=new)
    echo("a confirmation code is on its way to the new address; until you confirm it, "
         "your account keeps its current one")
