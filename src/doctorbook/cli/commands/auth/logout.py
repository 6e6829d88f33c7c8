"""`doctorbook logout`: end the stored session."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def logout() -> None:
    """Log out: the session is revoked on the server and forgotten here."""
    from doctorbook.core.accounts import auth

    ctx = CliContext.from_env()
    store = ctx.store
    stored = store.load()
    if stored is None:
        damaged: str | None = getattr(store, "damaged", None)
        if damaged:
            store.clear()  # nothing usable in it; logging out means forgetting it
            echo(f"not logged in ({damaged}; it is removed now)")
        else:
            echo("not logged in")
        return
    ctx.core.run_open(auth.logout, access_token=stored.access_token,
                      refresh_token=stored.refresh_token)
    store.clear()
    echo(f"logged out {stored.email}")
