"""`doctorbook password change [--password-stdin]`: the current password, then a new one."""

from __future__ import annotations

from doctorbook.cli.context import CliContext, read_password, read_stdin
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import PasswordStdin
from doctorbook.cli.render import echo


@translate_errors
def change(password_stdin: PasswordStdin = False) -> None:
    """Change your password (with --password-stdin: the current one on the first line, the new
    one on the second). Your other logins end; this one stays."""
    from doctorbook.core.accounts import accounts
    from doctorbook.core.base.errors import ValidationError

    ctx = CliContext.from_env()
    ctx.require_login()  # nobody logged in: refused before any prompt, as before
    if password_stdin:
        lines = read_stdin().split("\n")
        if len(lines) < 2 or not lines[0] or not lines[1].rstrip("\r"):
            raise ValidationError("give the current password on the first line of standard "
                                  "input and the new one on the second")
        current, new = lines[0].rstrip("\r"), lines[1].rstrip("\r")
    else:
        current = read_password(from_stdin=False, confirm=False, prompt="Current password")
        new = read_password(from_stdin=False, confirm=True, prompt="New password")
    ended = ctx.core.run(accounts.change_password, current=current, new=new)
    others = f"; {ended} other login(s) ended" if ended else ""
    echo(f"password changed{others}")
