"""`doctorbook request-join --email E --name N`: ask to join as a doctor."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Email, Name
from doctorbook.cli.render import echo


@translate_errors
def request_join(
    email: Email,
    name: Name,
    message: Annotated[
        str | None, typer.Option("--message", help="A note for the clinic's admins.")
    ] = None,
) -> None:
    """Ask to join as a doctor (no login); an admin approves it and you get an invite e-mail."""
    from doctorbook.core.doctors import invites

    view = CliContext.from_env().core.run_open(invites.request_join, email=email, name=name,
                                               message=message)
    echo(f"request {view.id} received; an admin will review it and e-mail {view.email}")
