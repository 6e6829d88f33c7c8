"""`doctorbook login`: start a session and remember it for this profile."""

from __future__ import annotations

from doctorbook.cli.context import CliContext, read_password
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Email, PasswordStdin
from doctorbook.cli.render import echo


@translate_errors
def login(
    email: Email,
    password_stdin: PasswordStdin = False,
) -> None:
    """Log in; the session is kept in the keyring (or a private file) under DOCTORBOOK_PROFILE."""
    from doctorbook.core.accounts import auth
    from doctorbook.core.accounts.session_store import StoredSession

    ctx = CliContext.from_env()
    password = read_password(from_stdin=password_stdin, confirm=False)
    store = ctx.store
    previous = store.load()
    # Replacing a stored login ends the old session in the same transaction, instead of
    # leaving it valid; a refused login leaves it as it was.
    result = ctx.core.run_open(
        auth.login_replacing, email=email, password=password,
        previous_access_token=None if previous is None else previous.access_token,
        previous_refresh_token=None if previous is None else previous.refresh_token)
    store.save(StoredSession(result.access_token, result.refresh_token, result.user.email))
    echo(f"logged in as {result.user.name} <{result.user.email}> ({result.user.role})")
