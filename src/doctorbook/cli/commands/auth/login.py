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
    from doctorbook.core import auth
    from doctorbook.core.session_store import StoredSession

    ctx = CliContext.from_env()
    password = read_password(from_stdin=password_stdin, confirm=False)
    store = ctx.store
    previous = store.load()
    with ctx.db.unit_of_work() as uow:
        result = auth.login(uow, email=email, password=password)
    if previous is not None:
        # Replacing a stored login: end the old session instead of leaving it valid.
        with ctx.db.unit_of_work() as uow:
            auth.logout(uow, access_token=previous.access_token,
                        refresh_token=previous.refresh_token)
    store.save(StoredSession(result.access_token, result.refresh_token, result.user.email))
    echo(f"logged in as {result.user.name} <{result.user.email}> ({result.user.role})")
