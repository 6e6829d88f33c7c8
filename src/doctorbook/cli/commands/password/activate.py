"""`doctorbook activate CODE|- [--password-stdin]`: a patient the desk created sets a password."""

from __future__ import annotations

from doctorbook.cli.commands.password.token import CodeArgument, set_password_from_code
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import PasswordStdin


@translate_errors
def activate(code: CodeArgument, password_stdin: PasswordStdin = False) -> None:
    """Choose your first password with the code from the clinic's e-mail (72 h, once)."""
    set_password_from_code(code, password_stdin=password_stdin)
