"""Run the TUI, its database opened in a thread while the login form is drawn; the CLI's `tui`
and `kiosk` commands call `run_tui`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types only: the database stack (SQLAlchemy, psycopg) is imported by the thread that
    # opens the database, after the login form is drawn (issue 13: first paint).
    from sqlalchemy import Engine

    from doctorbook.core.accounts.session_store import SessionStore, StoredSession
    from doctorbook.core.base.clock import Clock
    from doctorbook.core.base.db import Database, UnitOfWork
    from doctorbook.core.base.settings import Settings
    from doctorbook.tui.app import AppDatabase, DoctorbookApp

CRASH_NOTICE = "Something went wrong and you were logged out. Please log in again."
KIOSK_CRASH_NOTICE = "Something went wrong. Please start again."
#: A crash this soon after the app started counts towards a crash loop.
QUICK_CRASH_SECONDS = 10.0
#: The desk stops after this many quick crashes in a row (something is broken for good); the
#: kiosk never stops by itself, it waits longer between attempts instead.
MAX_QUICK_CRASHES = 3
KIOSK_MAX_WAIT_SECONDS = 30.0


def no_accounts_hint(settings: Settings) -> str:
    """Under the login form of a database without any account (`doctorbook tui` on a new
    clinic, or someone who expected the demo's accounts there)."""
    return ("No accounts yet: `doctorbook admin create` makes the first admin.\n"
            "The demo clinic is `doctorbook demo`, in a database of its own "
            f"({settings.home / 'demo'}).")


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
    """One run of the app, on a database of its own; True when it ended by crashing.

    The login form is drawn first: the database (starting the embedded server, checking the
    schema: seconds on a cold machine, a round trip to a remote one) opens in a thread
    meanwhile, and a login submitted before it is ready waits for it. If it can't be opened
    the desk's app ends and the error is raised here, one line from the CLI as before; the
    kiosk keeps its form up and tries again, longer and longer apart."""
    import sys

    from doctorbook.core.accounts.session_store import MemoryStore
    from doctorbook.core.base.clock import clock_for
    from doctorbook.tui.app import make_app

    db = OpeningDatabase(settings, clock_for(settings))
    notices: list[str] = []
    try:
        store: SessionStore
        if kiosk or settings.shared_terminal:
            # Nothing stored, nothing reused: whoever sits down next starts at the form.
            store = MemoryStore()
        else:
            store = ProfileStore(settings, warn=notices.append)

        def open_database() -> None:
            # Once the form is on screen: opening imports the database stack and connects,
            # which would otherwise hold the GIL while the first paint is being made.
            db.start(retry=kiosk, opened=lambda opened: _opened(app, opened, kiosk=kiosk),
                     failed=lambda error: _failed(app, error, kiosk=kiosk))

        app = make_app(
            settings=settings, db=db, store=store, kiosk=kiosk, login_hint=login_hint,
            notice=notice, crash_after_login=crash_after_login,
            restart_embedded=settings.uses_embedded, after_first_paint=open_database,
        )
        try:
            app.run()
        finally:
            # Said where the app was drawn over it before (the screen it leaves behind).
            for notice in notices:
                print(notice, file=sys.stderr)
        if db.failure is not None and not kiosk:
            raise db.failure  # `run_tui` says it: one line, exit 1
        if app.crashed or app.login_made_here:
            _forget(db, store)
        return app.crashed
    finally:
        db.dispose()


class ProfileStore:
    """The profile's session store (keyring, else its file), found when first used: in a
    worker, after the first paint. Probing the keyring's backends imports `keyring` and, on
    a desktop, its D-Bus stack (100-250 ms), which the login form need not wait for.

    Its one-time notice (sessions go to a file) is handed to `warn` to say after the app,
    instead of being printed over the app's screen."""

    def __init__(self, settings: Settings, *, warn: Callable[[str], None]) -> None:
        self._settings = settings
        self._warn = warn
        self._store: SessionStore | None = None
        self._finding = threading.Lock()

    @property
    def store(self) -> SessionStore:
        with self._finding:  # two workers at once find it once
            if self._store is None:
                from doctorbook.core.accounts.session_store import default_store

                self._store = default_store(self._settings.config_dir, self._settings.profile,
                                            warn=self._warn)
            return self._store

    @property
    def damaged(self) -> str | None:
        """Why the stored login could not be read, as the store found it (`not_logged_in`)."""
        damaged: str | None = getattr(self.store, "damaged", None)
        return damaged

    def load(self) -> StoredSession | None:
        return self.store.load()

    def save(self, stored: StoredSession) -> None:
        self.store.save(stored)

    def clear(self) -> None:
        self.store.clear()


class OpeningDatabase:
    """The configured database, opened in a thread of its own (`start`) while the app starts.

    The app takes it as it takes an opened `Database` (both are an `AppDatabase`): what needs
    the engine (a unit of work, always in a worker thread) waits for the attempt under way, and
    gets its error if it failed, which the app reports as any database failure (the kiosk's
    next attempt may succeed)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.clock = clock
        self._settings = settings
        self._changed = threading.Condition()
        self._opened: Database | None = None
        self._trying = False
        self._closed = False
        #: Why the last attempt failed (None once opened).
        self.failure: BaseException | None = None

    def start(self, *, retry: bool, opened: Callable[[Database], None],
              failed: Callable[[BaseException], None]) -> None:
        """Open it in a daemon thread (an app quit meanwhile need not wait for a slow server);
        `failed` hears of each failed attempt, `retry` makes another after a pause."""
        with self._changed:
            self._trying = True
        threading.Thread(target=self._open, args=(retry, opened, failed), daemon=True,
                         name="doctorbook-open-database").start()

    def _open(self, retry: bool, opened: Callable[[Database], None],
              failed: Callable[[BaseException], None]) -> None:
        from doctorbook.core.base.db import open_database

        attempts = 0
        while True:
            try:
                db = open_database(self._settings, clock=self.clock)
            except Exception as error:
                attempts += 1
                with self._changed:
                    # Until the next attempt, whoever needs the database hears why it failed.
                    self.failure, self._trying = error, False
                    self._changed.notify_all()
                failed(error)
                if not retry:
                    return
                with self._changed:
                    # The kiosk's back-off: 2, 4, 8... seconds, at most 30 (or until closed).
                    self._changed.wait_for(
                        lambda: self._closed, min(2.0 ** attempts, KIOSK_MAX_WAIT_SECONDS))
                    if self._closed:
                        return
                    self._trying = True
                continue
            with self._changed:
                if self._closed:  # the app ended first: nobody will use it
                    db.dispose()
                    self._trying = False
                    self._changed.notify_all()
                    return
                self._opened, self.failure, self._trying = db, None, False
                self._changed.notify_all()
            opened(db)
            return

    def ready(self) -> Database:
        """The opened database, once the attempt under way ends; its error if it failed."""
        with self._changed:
            self._changed.wait_for(lambda: not self._trying)
            if self._opened is not None:
                return self._opened
            if self.failure is not None:
                raise self.failure
        from doctorbook.core.base.errors import DatabaseUnavailable

        raise DatabaseUnavailable("the database was closed")

    # Read (waiting) from the database the thread opened.
    @property
    def engine(self) -> Engine:
        return self.ready().engine

    def unit_of_work(self) -> UnitOfWork:
        return self.ready().unit_of_work()

    def dispose(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            opened, self._opened = self._opened, None
        if opened is not None:
            opened.dispose()


def _opened(app: DoctorbookApp, db: Database, *, kiosk: bool) -> None:
    """The database is open (in its thread): on a new clinic's, the desk's login form says how
    to begin. Only a hint: an error here is logged, never the app's end."""
    from doctorbook.core.accounts.setup_state import has_accounts
    from doctorbook.tui import crash_log

    if kiosk:
        return
    try:
        with db.unit_of_work() as uow:
            empty = not has_accounts(uow)
    except Exception as error:
        crash_log.record(app.settings.home, error, where="first-run check")
        return
    if empty:
        # call_later is post_message underneath, which Textual makes safe from any thread;
        # queued before the app's loop runs it is handled after the login form is mounted.
        app.call_later(_show_hint, app, no_accounts_hint(app.settings))


async def _show_hint(app: DoctorbookApp, text: str) -> None:
    """Add `text` under the login form (on the app's loop)."""
    from doctorbook.tui.screens.login import LoginScreen

    for screen in app.screen_stack:
        if isinstance(screen, LoginScreen):
            await screen.show_hint(text)


def _failed(app: DoctorbookApp, error: BaseException, *, kiosk: bool) -> None:
    """An attempt to open the database failed (in its thread). The desk's app ends (`_run_app`
    raises the error); the kiosk logs it and stays at its form while the next attempt waits."""
    from doctorbook.tui import crash_log

    if kiosk:
        crash_log.record(app.settings.home, error, where="kiosk start-up")
        return
    # exit() only sets the result and posts a message, which Textual makes thread-safe.
    app.exit(return_code=1)


def _forget(db: AppDatabase, store: SessionStore) -> None:
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
