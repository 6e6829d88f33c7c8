"""`doctorbook password reset CODE|- [--password-stdin]`: a new password from the e-mail."""

from __future__ import annotations

from doctorbook.cli.commands.password.token import CodeArgument, set_password_from_code
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import PasswordStdin


@translate_errors
def reset(code: CodeArgument, password_stdin: PasswordStdin = False) -> None:
    """Choose a new password with the code from the reset e-mail (30 minutes, once); every
    login of the account ends."""
    set_password_from_code(code, password_stdin=password_stdin)
