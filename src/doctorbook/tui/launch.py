"""Open the database and run the TUI; the CLI's `tui` and `kiosk` commands call `run_tui`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from doctorbook.core.settings import Settings


def run_tui(settings: Settings, *, kiosk: bool = False, login_hint: str | None = None) -> None:
    """Run the app until the user quits (the kiosk never quits by a key)."""
    import os
    import sys

    from doctorbook.core.clock import clock_from_env
    from doctorbook.core.db import open_database
    from doctorbook.core.session_store import MemoryStore, SessionStore, default_store
    from doctorbook.tui.app import make_app

    db = open_database(settings, clock=clock_from_env())
    try:
        store: SessionStore
        if kiosk:
            store = MemoryStore()
            # With signals allowed, ctrl+c / ctrl+z would reach the shell behind the kiosk.
            os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)
        else:
            store = default_store(
                settings.config_dir, settings.profile, warn=lambda m: print(m, file=sys.stderr)
            )
        make_app(
            settings=settings, db=db, store=store, kiosk=kiosk, login_hint=login_hint
        ).run()
    finally:
        db.dispose()
