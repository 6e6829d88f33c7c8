"""`doctorbook admin create`: the first admin (no login needed), or another by an admin."""

from __future__ import annotations

from doctorbook.cli.context import CliContext, read_password
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Email, Name, PasswordStdin
from doctorbook.cli.render import echo


@translate_errors
def create(
    email: Email,
    name: Name,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an admin; once one exists, only a logged-in admin may create another."""
    from doctorbook.core.accounts import auth

    ctx = CliContext.from_env()
    password = read_password(from_stdin=password_stdin, confirm=True)
    view = ctx.core.run_as_anyone(auth.create_admin, email=email, name=name, password=password)
    echo(f"admin created: {view.name} <{view.email}> (id {view.id})")
