"""`doctorbook refresh`: rotate the stored session's tokens now."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo
from doctorbook.core.base.errors import AuthenticationError


@translate_errors
def refresh() -> None:
    """Exchange the refresh token for a new pair (the old one stops working)."""
    from doctorbook.core.accounts import auth, session_store
    from doctorbook.core.accounts.session_store import StoredSession

    ctx = CliContext.from_env()
    store = ctx.store
    stored = store.load()
    if stored is None:
        raise session_store.not_logged_in(store)
    try:
        result = ctx.core.run_open(auth.refresh, refresh_token=stored.refresh_token)
    except AuthenticationError:
        store.clear()
        raise
    store.save(StoredSession(result.access_token, result.refresh_token, result.user.email))
    echo(f"session renewed for {result.user.email}; "
         f"valid until {result.refresh_expires_at.isoformat(timespec='minutes')}")
