"""Open the database and run the TUI; the CLI's `tui` and `kiosk` commands call `run_tui`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from doctorbook.core.accounts.session_store import SessionStore
    from doctorbook.core.base.db import Database
    from doctorbook.core.base.settings import Settings

CRASH_NOTICE = "Something went wrong and you were logged out. Please log in again."
KIOSK_CRASH_NOTICE = "Something went wrong. Please start again."
#: A crash this soon after the app started counts towards a crash loop.
QUICK_CRASH_SECONDS = 10.0
#: The desk stops after this many quick crashes in a row (something is broken for good); the
#: kiosk never stops by itself, it waits longer between attempts instead.
MAX_QUICK_CRASHES = 3
KIOSK_MAX_WAIT_SECONDS = 30.0


def run_tui(settings: Settings, *, kiosk: bool = False, login_hint: str | None = None) -> None:
    """Run the app until the user quits (the kiosk never quits by a key).

    An unexpected error never shows a trace (it goes to the log) and never drops to a shell:
    the app starts again at the login form, saying why. After a crash the desk's app exits
    non-zero when it is finally quit, so its supervisor or sshd log shows it."""
    import os
    import sys
    import time

    from doctorbook.core.base.errors import DoctorbookError
    from doctorbook.tui import crash_log

    if kiosk:
        # With signals allowed, ctrl+c / ctrl+z would reach the shell behind the kiosk.
        os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)
    crash_once = os.environ.get("DOCTORBOOK_TEST_CRASH") == "login"
    crashed_ever = False
    quick_crashes = 0
    notice: str | None = None
    while True:
        started = time.monotonic()
        try:
            crashed = _run_app(settings, kiosk=kiosk, login_hint=login_hint, notice=notice,
                               crash_after_login=crash_once)
        except DoctorbookError as error:
            if not kiosk:
                raise  # one line from the CLI: the database is unreachable, say
            crash_log.record(settings.home, error, where="kiosk start-up")
            crashed = True
        except Exception as error:
            path = crash_log.record(settings.home, error, where="start-up")
            if not kiosk:
                print(f"error: doctorbook could not start; details in {path}", file=sys.stderr)
                sys.exit(1)
            crashed = True
        crash_once = False
        if not crashed:
            break
        crashed_ever = True
        notice = KIOSK_CRASH_NOTICE if kiosk else CRASH_NOTICE
        quick = time.monotonic() - started < QUICK_CRASH_SECONDS
        quick_crashes = quick_crashes + 1 if quick else 0
        if quick_crashes >= MAX_QUICK_CRASHES:
            if not kiosk:
                path = crash_log.log_path(settings.home)
                print(f"error: doctorbook stopped after repeated errors; details in {path}",
                      file=sys.stderr)
                sys.exit(1)
            time.sleep(min(2.0 ** quick_crashes, KIOSK_MAX_WAIT_SECONDS))
    if crashed_ever:
        path = crash_log.log_path(settings.home)
        print(f"doctorbook had an unexpected error this session; details in {path}",
              file=sys.stderr)
        sys.exit(1)


def _run_app(
    settings: Settings, *, kiosk: bool, login_hint: str | None, notice: str | None,
    crash_after_login: bool,
) -> bool:
    """One run of the app, on a database of its own; True when it ended by crashing."""
    import sys

    from doctorbook.core.accounts.session_store import MemoryStore, default_store
    from doctorbook.core.base.clock import clock_for
    from doctorbook.core.base.db import open_database
    from doctorbook.tui.app import make_app

    db = open_database(settings, clock=clock_for(settings))
    try:
        store: SessionStore
        if kiosk or settings.shared_terminal:
            # Nothing stored, nothing reused: whoever sits down next starts at the form.
            store = MemoryStore()
        else:
            store = default_store(
                settings.config_dir, settings.profile, warn=lambda m: print(m, file=sys.stderr)
            )
        app = make_app(
            settings=settings, db=db, store=store, kiosk=kiosk, login_hint=login_hint,
            notice=notice, crash_after_login=crash_after_login,
            restart_embedded=settings.uses_embedded,
        )
        app.run()
        if app.crashed or app.login_made_here:
            _forget(db, store)
        return app.crashed
    finally:
        db.dispose()


def _forget(db: Database, store: SessionStore) -> None:
    """The app's login ends with it (and after a crash): revoked if the database still
    answers, forgotten anyway, so the next person at this terminal starts at the login form."""
    from doctorbook.core.accounts import auth

    try:
        stored = store.load()
        if stored is not None:
            with db.unit_of_work() as uow:
                auth.logout(uow, access_token=stored.access_token,
                            refresh_token=stored.refresh_token)
    except Exception:  # noqa: S110 - the database may be what failed; forgetting is enough
        pass
    finally:
        store.clear()
