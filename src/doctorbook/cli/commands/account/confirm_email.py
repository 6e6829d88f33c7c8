"""`doctorbook account confirm-email CODE|-`: the new address is yours; use it from now on."""

from __future__ import annotations

from doctorbook.cli.commands.password.token import CodeArgument
from doctorbook.cli.context import CliContext, read_stdin
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def confirm_email(code: CodeArgument) -> None:
    """Confirm a new e-mail address with the code sent to it."""
    from doctorbook.core.accounts import accounts

    if code == "-":
        code = read_stdin(line=True).strip()
    view = CliContext.from_env().core.run_as_anyone(accounts.confirm_email_change, token=code)
    echo(f"your e-mail address is now {view.email}")
