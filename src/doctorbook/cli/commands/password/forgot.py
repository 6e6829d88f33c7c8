"""`doctorbook password forgot --email E`: ask for a reset e-mail (no login needed)."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Email
from doctorbook.cli.render import echo


@translate_errors
def forgot(email: Email) -> None:
    """Send a password reset e-mail; the answer is the same whether or not the address has an
    account. Then: doctorbook password reset CODE."""
    from doctorbook.core.accounts import accounts

    answer = CliContext.from_env().core.run_open(accounts.request_password_reset, email=email)
    echo(answer)
