"""`doctorbook accept-invite TOKEN --password-stdin`: create your invited account."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext, read_password, read_stdin
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import PasswordStdin
from doctorbook.cli.render import echo


@translate_errors
def accept_invite(
    token: Annotated[
        str,
        typer.Argument(help="The token from your invitation e-mail, or - to read it from "
                            "standard input (keeps it out of the process list)."),
    ],
    password_stdin: PasswordStdin = False,
) -> None:
    """Accept an invitation: choose a password; then log in (doctors complete their profile)."""
    from doctorbook.core.doctors import invites

    ctx = CliContext.from_env()
    if token == "-":  # noqa: S105 - "-" means "read it from stdin", not a password
        token = read_stdin(line=True).strip()
    password = read_password(from_stdin=password_stdin, confirm=True)
    user = ctx.core.run_open(invites.accept_invite, token=token, password=password,
                             currency=ctx.settings.currency)
    if user.role.is_doctor:
        echo(f"welcome, {user.name}: your doctor account is ready. Next: "
             f"doctorbook login --email {user.email}, then doctorbook profile set ...")
    else:
        echo(f"welcome, {user.name}: your {user.role} account is ready. Next: "
             f"doctorbook login --email {user.email}, or open doctorbook tui")
