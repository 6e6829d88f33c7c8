"""`doctorbook register`: a patient creates their own account."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext, read_password
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Email, Name, PasswordStdin
from doctorbook.cli.render import echo


@translate_errors
def register(
    email: Email,
    name: Name,
    password_stdin: PasswordStdin = False,
    phone: Annotated[str | None, typer.Option("--phone", help="A phone number.")] = None,
) -> None:
    """Register as a patient (password of 10 to 128 characters, not a common one)."""
    from doctorbook.core.accounts import auth

    ctx = CliContext.from_env()
    password = read_password(from_stdin=password_stdin, confirm=True)
    view = ctx.core.run_open(auth.register, email=email, name=name, password=password, phone=phone)
    echo(f"registered {view.name} <{view.email}>; log in with: "
         f"doctorbook login --email {view.email}")
