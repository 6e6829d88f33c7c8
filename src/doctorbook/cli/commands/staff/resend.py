"""`doctorbook staff resend EMAIL`: a new invitation; the previous token stops working."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def resend(
    email: Annotated[str, typer.Argument(help="The address invited before.", show_default=False)],
) -> None:
    """Send a staff member's invitation again (a new token, 72 h; the old one stops working)."""
    from doctorbook.core.accounts import accounts

    view = CliContext.from_env().core.run(accounts.resend_staff_invite, email=email)
    echo(f"new invitation for {view.name} <{view.email}> queued (e-mail {view.outbox_id}); "
         f"valid until {view.expires_at.isoformat(timespec='minutes')}")
