"""Setting a password from an e-mailed code: shared by `password reset` and `activate`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext, read_password, read_stdin
from doctorbook.cli.render import echo

CodeArgument = Annotated[
    str,
    typer.Argument(metavar="CODE|-", show_default=False,
                   help="The code from the e-mail, or - to read it from standard input's first "
                        "line (keeps it out of the process list)."),
]


def set_password_from_code(code: str, *, password_stdin: bool) -> None:
    from doctorbook.core.accounts import accounts

    if code == "-":
        code = read_stdin(line=True).strip()
    password = read_password(from_stdin=password_stdin, confirm=True, prompt="New password")
    done = CliContext.from_env().core.run_open(accounts.set_password_with_token, token=code,
                                               password=password)
    ended = f"; {done.sessions_ended} earlier login(s) ended" if done.sessions_ended else ""
    what = "your account is ready" if done.activated else "password changed"
    echo(f"{what}{ended}. Log in with: doctorbook login --email {done.user.email}")
