"""The doctorbook app: a screen stack per role, database calls in workers, and kiosk mode."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Protocol, TypedDict, Unpack, cast

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

# Only what the login form needs is imported here: core's use cases, the database stack
# (SQLAlchemy, psycopg) and the screens after login are imported where they are first used,
# after the form is on screen (issue 13: first paint). tests/tui/test_first_paint.py checks.
from doctorbook.core.accounts.session_store import (
    MemoryStore,
    SessionStore,
    StoredSession,
    profile_lock,
)
from doctorbook.core.base.errors import (
    AuthenticationError,
    DatabaseUnavailable,
    DoctorbookError,
    PermissionDenied,
)
from doctorbook.tui import crash_log
from doctorbook.tui.messages import (
    AppointmentChanged,
    DatabaseRevived,
    InviteAcceptanceSubmitted,
    InviteAccepted,
    LoggedIn,
    LoggedOut,
    LoginSubmitted,
    OwnEmailChanged,
    Registered,
    RegistrationSubmitted,
)
from doctorbook.tui.screens.login import LoginScreen
from doctorbook.tui.text import pasteable, printable

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from doctorbook.core.accounts.auth import LoginResult, UserView
    from doctorbook.core.base.clock import Clock
    from doctorbook.core.base.db import UnitOfWork
    from doctorbook.core.base.live import Changes
    from doctorbook.core.base.rbac import Permission
    from doctorbook.core.base.settings import Settings
    from doctorbook.core.boundary import Core, StoredCredentials
    from doctorbook.tui.calls import CallFailed
    from doctorbook.tui.live import DataChanged, LiveUpdates, Reconnected
    from doctorbook.tui.screens.home import HomeScreen

LOGIN_MODE = "login"
SOMETHING_WENT_WRONG = "Something went wrong; it has been logged. Please try again."
DATABASE_UNAVAILABLE = "Database unavailable — retrying. Nothing was changed."
DATABASE_BACK = "The database is back."
DATABASE_STILL_DOWN = "The database is still unavailable. Please call the clinic's admin."
#: How long the app keeps trying to reach (or restart) its database after losing it.
REVIVE_SECONDS = 120.0
KIOSK_PATIENTS_ONLY = "The kiosk is for patients"
KIOSK_BOOKED = "You were logged out after your booking. Thank you!"

#: Worker groups: opening a session, ending one, calls made as the logged-in user (a failure
#: there may end the login), and waiting for the database.
LOGIN_GROUP = "login"
LOGOUT_GROUP = "logout"
SESSION_GROUP = "session"
REVIVE_GROUP = "revive"


class AppDatabase(Protocol):
    """What the app needs of its database: core's `Database`, or launch.py's one still
    opening in a thread (which the login form must not wait for, nor import SQLAlchemy for)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def clock(self) -> Clock: ...

    def unit_of_work(self) -> UnitOfWork: ...

    def dispose(self) -> None: ...


def home_screen(user: UserView) -> HomeScreen:
    """The home screen of the user's role."""
    from doctorbook.tui.screens.admin_home import AdminHomeScreen
    from doctorbook.tui.screens.doctor_home import DoctorHomeScreen
    from doctorbook.tui.screens.patient_home import PatientHomeScreen
    from doctorbook.tui.screens.staff_home import StaffHomeScreen

    if user.role.is_patient:
        return PatientHomeScreen(user)
    if user.role.is_doctor:
        return DoctorHomeScreen(user)
    if user.role.is_admin:
        return AdminHomeScreen(user)
    return StaffHomeScreen(user)


def _duration(seconds: float) -> str:
    """'2 min' or '45 s': how long the kiosk waited."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _is_database_failure(error: BaseException) -> bool:
    """A lost or refused connection (SQLAlchemy's OperationalError/InterfaceError, or core's
    DatabaseUnavailable when it could not even start)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError | DatabaseUnavailable)


def _sentence(text: str) -> str:
    """Core messages are lower-case clauses; a notification reads better as a sentence."""
    text = text.strip()
    return text[:1].upper() + text[1:]


class DoctorbookApp(App[None]):
    """The staff and patient app. Build it with `make_app`."""

    TITLE = "doctorbook"
    CSS_PATH = "app.tcss"
    #: Kiosk behaviour (patients only, idle logout, no quitting) belongs to `KioskApp`.
    KIOSK: ClassVar[bool] = False

    BINDINGS: ClassVar[list[BindingType]] = [
        # Tab moves focus as soon as the app reads it, before the keys behind it are handed
        # to a field: Textual's own Tab binding is the screen's, handled only after the keys
        # already queued for the focused field, so a burst (auto-type, a slow SSH link) put
        # the password into the e-mail field, in clear.
        Binding("tab", "focus_next", show=False, priority=True, id="focus-next"),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id="focus-previous"),
        Binding("ctrl+l", "logout", "Log out", id="logout"),
        Binding("f5", "refresh", "Refresh", show=False, id="refresh"),
        Binding("f1", "help", "Help", id="help"),
        Binding("question_mark", "help", "Help", show=False, id="help-question-mark"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    def __init__(
        self,
        *,
        settings: Settings,
        db: AppDatabase,
        store: SessionStore,
        idle_seconds: float | None = None,
        login_hint: str | None = None,
        notice: str | None = None,
        crash_after_login: bool = False,
        restart_embedded: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        after_first_paint: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        #: Called once the login form is on screen (launch.py opens the database then, so its
        #: imports and connecting don't compete with the first paint for the one GIL).
        self.after_first_paint = after_first_paint
        #: The database is the embedded server this app started: restart it if it dies.
        self.restart_embedded = restart_embedded
        #: Said once the login form shows (after a crash: why the user is back at it).
        self.notice = notice
        #: Set when an unexpected error ended the app; `run_tui` starts a fresh one.
        self.crashed = False
        #: A deliberate crash right after the next login, for the end-to-end crash tests.
        self.crash_after_login = crash_after_login
        #: The current login was made in this app (not resumed from the CLI's): it ends when
        #: the app does (`run_tui` revokes it), so the next person at the terminal logs in.
        self.login_made_here = False
        #: Shown under the login form (the demo lists its accounts there).
        self.login_hint = login_hint
        self.settings = settings
        self.db = db
        self.store = store
        default_idle = settings.kiosk_idle_seconds if self.KIOSK else settings.staff_idle_seconds
        self.idle_seconds = float(default_idle if idle_seconds is None else idle_seconds)
        self.user: UserView | None = None
        self._role_mode: str | None = None
        #: Serialises token use (resume may rotate the refresh token) between worker threads.
        self._auth_lock = threading.Lock()
        #: A store shared with the CLI (keyring or file) also needs the per-profile file lock,
        #: so this app and a script never refresh the same token at once.
        self._refresh_lock: Callable[[], contextlib.AbstractContextManager[None]] | None = (
            None if isinstance(store, MemoryStore)
            else partial(profile_lock, settings.config_dir, settings.profile)
        )
        #: `core` and `live`, built when first used (after the first paint: building them
        #: imports core and the database stack); worker threads may ask for `core` at once.
        self._core: Core | None = None
        self._credentials: StoredCredentials | None = None
        self._live: LiveUpdates | None = None
        self._lazy_lock = threading.Lock()
        self._idle_timer: Timer | None = None
        #: The clock idle time is measured on: tests pass a fake one, move it on and call
        #: `check_idle_logout` themselves, instead of waiting real seconds on a busy machine.
        self._monotonic = monotonic
        self._last_activity = monotonic()
        self.add_mode(LOGIN_MODE, self._new_login_screen)
        # The app starts in Textual's own "_default" mode (a blank screen) and switches to the
        # login mode when mounted, never starting *in* a mode of ours: Textual mounts a mode's
        # base screen before it puts it on the mode's stack, and under the eager task factory
        # that `App.run` installs on Python >= 3.12 the whole screen mounts right there. An
        # Input mounting then asks for `app.screen`, and for a starting mode whose stack is
        # still empty that raises ScreenStackError and kills the app (Textual issue #6444,
        # shown by tests/tui/test_textual_modes.py). Every later switch has a screen on the
        # stack, so the screen being mounted only sees the previous one as `app.screen`.

    @property
    def kiosk(self) -> bool:
        return self.KIOSK

    @property
    def core(self) -> Core:
        """The way into core as the logged-in user: one unit of work per call; a login that is
        over for good is forgotten (the app goes back to its login form)."""
        with self._lazy_lock:
            if self._core is None:
                from doctorbook.core.base.db import Database
                from doctorbook.core.boundary import Core, StoredCredentials

                # Core types its database as the class; what it uses of it (unit_of_work) is
                # what AppDatabase promises.
                db = cast("Database", self.db)
                self._credentials = StoredCredentials(
                    db, self.store, lock=self._refresh_lock, forget_on_failure=True,
                    thread_lock=self._auth_lock)
                self._core = Core(db, self._credentials)
            return self._core

    @property
    def live(self) -> LiveUpdates:
        """Changes made anywhere (other terminals, the CLI, the dispatcher), heard on one
        listening connection while someone is logged in, reach the screens showing them."""
        with self._lazy_lock:
            if self._live is None:
                from doctorbook.core.base.db import Database
                from doctorbook.tui.live import LiveUpdates

                self._live = LiveUpdates(self, cast("Database", self.db))
            return self._live

    # --- people's text is shown literally, here as in every widget (tui/widgets/plain.py) ---

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text: they quote names, reasons and core's messages
        (which quote what was typed), so none is ever read as markup, whatever the caller."""
        super().notify(
            printable(message, multiline=True), title=printable(title), severity=severity,
            timeout=timeout, markup=False,
        )

    def format_title(self, title: str, sub_title: str) -> Content:
        """Titles carry people's names (the header shows 'Pat Patient · Patient')."""
        return super().format_title(printable(title), printable(sub_title))

    def _new_login_screen(self) -> Screen[None]:
        screen = LoginScreen(kiosk=self.kiosk, hint=self.login_hint)
        # A new screen is styled by the app's current stylesheet when it mounts; without this
        # Textual (8) takes it for one styled before a CSS change and parses the app's whole
        # stylesheet again, twice per switch to the login mode: a fifth of the first paint
        # (issue 13). If Textual renames the counter, this only costs that time again.
        screen._css_update_count = self._css_update_count
        return screen

    async def on_mount(self) -> None:
        await self.switch_mode(LOGIN_MODE)
        if self.notice:
            self.notify(self.notice, severity="warning", timeout=15)
        self._note_activity()
        # After the form is drawn: resuming builds `core` (imports core and the database stack).
        if not self.kiosk:
            self.call_after_refresh(self._resume_session)
        if self.after_first_paint is not None:
            self.call_after_refresh(self.after_first_paint)

    # --- workers: every database call runs here, off the event loop -----------------------

    def now(self) -> datetime:
        """The clinic's clock (a test's fixed one): what screens judge "too late" against."""
        return self.db.clock.now()

    def _accept(self, result: LoginResult) -> None:
        """Keep a fresh session (worker thread), unless the kiosk must refuse it."""
        from doctorbook.core.accounts import auth

        if self.kiosk and not result.user.role.is_patient:
            self.core.run_open(auth.logout, access_token=result.access_token)
            raise PermissionDenied(KIOSK_PATIENTS_ONLY)
        with self._auth_lock:
            self.store.save(
                StoredSession(result.access_token, result.refresh_token, result.user.email)
            )
        self.post_message(LoggedIn(result.user))

    @work(thread=True, exit_on_error=False, group=LOGIN_GROUP)
    def _resume_session(self) -> None:
        with self._auth_lock:
            if self.store.load() is None:
                return
        from doctorbook.core.accounts import auth

        # Authenticated (renewed if expired) and read in one unit of work.
        user = self.core.run(auth.whoami)
        self.post_message(LoggedIn(user, resumed=True))

    @work(thread=True, exit_on_error=False, group=LOGIN_GROUP)
    def _log_in(self, email: str, password: str) -> None:
        from doctorbook.core.accounts import auth

        self._accept(self.core.run_open(auth.login, email=email, password=password))

    @work(thread=True, exit_on_error=False, group=LOGIN_GROUP)
    def _create_account(self, name: str, email: str, password: str) -> None:
        from doctorbook.core.accounts import auth

        result = self.core.run_open(auth.register_and_login, email=email, name=name,
                                    password=password)
        self.post_message(Registered(result.user))
        self._accept(result)

    @work(thread=True, exit_on_error=False, group=LOGOUT_GROUP)
    def _revoke_session(self, email: str, reason: str | None) -> None:
        from doctorbook.core.accounts import auth

        with self._auth_lock:
            stored = self.store.load()
            # Only our own login: one made meanwhile as someone else is theirs to end.
            if stored is not None and stored.email.casefold() == email.casefold():
                try:
                    self.core.run_open(auth.logout, access_token=stored.access_token,
                                       refresh_token=stored.refresh_token)
                finally:
                    self.store.clear()
        self.post_message(LoggedOut(reason))

    @work(thread=True, exclusive=True, exit_on_error=False, group=REVIVE_GROUP)
    def _revive_database(self) -> None:
        """The database went away (its server stopped or restarted): wait for it, restarting
        the embedded server as the next CLI command would, then say so. Actions meanwhile
        fail cleanly (their transaction never committed) and say the same."""
        from sqlalchemy import text

        from doctorbook.core.base.db import database_url

        worker = get_current_worker()
        deadline = time.monotonic() + REVIVE_SECONDS
        pause = 0.2
        while not worker.is_cancelled:
            try:
                if self.restart_embedded:
                    database_url(self.settings)  # starts the server again if it is down
                self.db.engine.dispose()  # pooled connections to the old server are dead
                with self.db.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as error:
                if time.monotonic() > deadline:
                    crash_log.record(self.settings.home, error, where="database revival")
                    self.post_message(DatabaseRevived(ok=False))
                    return
                time.sleep(pause)
                pause = min(pause * 2, 3.0)
                continue
            self.post_message(DatabaseRevived(ok=True))
            return

    def on_database_revived(self, message: DatabaseRevived) -> None:
        if not message.ok:
            self.notify(DATABASE_STILL_DOWN, severity="error", timeout=30)
            return
        self.notify(DATABASE_BACK)
        self._refresh_home()

    def _refresh_home(self) -> None:
        """The logged-in user's home screen reads its lists again (it makes the call: a home
        of an earlier login is gone, with its calls)."""
        from doctorbook.tui.screens.home import HomeScreen

        home = self.screen_stack[0] if self.user is not None and self.screen_stack else None
        if isinstance(home, HomeScreen):
            home.refresh_lists()

    @work(thread=True, exit_on_error=False, group=LOGIN_GROUP)
    def _join_with_invite(self, token: str, password: str) -> None:
        from doctorbook.core.doctors import invites

        result = self.core.run_open(invites.accept_invite_and_log_in, token=token,
                                    password=password, currency=self.settings.currency)
        self.post_message(InviteAccepted(result.user))
        self._accept(result)

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers' failures (screens' calls arrive as `CallFailed`)."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            await self._report(event.worker.error, where=f"worker {event.worker.name}",
                               session=event.worker.group == SESSION_GROUP)

    async def on_call_failed(self, message: CallFailed) -> None:
        """A screen's call to core failed and the screen left it to the app."""
        await self._report(message.error, where=message.where, session=message.as_ == "user")

    async def _report(self, error: BaseException, *, where: str, session: bool) -> None:
        """The one place a failure becomes a notification; the app never crashes."""
        if _is_database_failure(error):
            # Never the driver's words (hosts, ports, SQL): a sentence, and the app waits for
            # its database. The trace is logged.
            crash_log.record(self.settings.home, error, where=where)
            self.notify(DATABASE_UNAVAILABLE, severity="error")
            self._revive_database()
            return
        if isinstance(error, DoctorbookError):
            self.notify(_sentence(str(error)), severity="error")
            ended = isinstance(error, AuthenticationError)
            if ended and session and self.user is not None:
                await self._show_login()
            return
        # Never the exception's text on screen (it may quote SQL or a file path): the trace
        # goes to the log, the person gets a sentence.
        crash_log.record(self.settings.home, error, where=where)
        self.notify(SOMETHING_WENT_WRONG, severity="error")

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing handled: Textual then ends the app, and would print the trace with
        its local variables on the terminal (a kiosk's public screen, a desk's SSH session).
        The trace goes to the log instead; `run_tui` shows the login form again. (Textual's
        hook for this is private in Textual 8; this is the one place we use it.)"""
        self.crashed = True
        crash_log.record(self.settings.home, error, where=type(self.screen).__name__
                         if self.screen_stack else "start-up")
        super()._handle_exception(error)
        self._exit_renderables.clear()

    # --- messages from the screens ---------------------------------------------------------

    def _logging_in(self) -> bool:
        return any(
            w.group == LOGIN_GROUP and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers
        )

    def on_login_submitted(self, message: LoginSubmitted) -> None:
        message.stop()
        if self.user is None and not self._logging_in():
            self._log_in(message.email, message.password)

    def on_registration_submitted(self, message: RegistrationSubmitted) -> None:
        message.stop()
        if self.user is None and not self._logging_in():
            self._create_account(message.name, message.email, message.password)

    def on_invite_acceptance_submitted(self, message: InviteAcceptanceSubmitted) -> None:
        message.stop()
        if self.user is None and not self.kiosk and not self._logging_in():
            self._join_with_invite(message.token, message.password)

    # --- results from the workers ----------------------------------------------------------

    async def on_logged_in(self, message: LoggedIn) -> None:
        user = message.user
        if self.user is not None or (self.kiosk and not user.role.is_patient):
            return
        if self.crash_after_login:
            raise RuntimeError("crash forced after login (DOCTORBOOK_TEST_CRASH=login)")
        self.user = user
        self.login_made_here = not message.resumed
        # From now on this app acts only for `user`: a login as someone else in the same
        # profile (another terminal, the CLI) ends this one instead of lending it its account.
        _ = self.core
        if self._credentials is not None:
            self._credentials.owner = user.email
        mode = str(user.role)
        self.add_mode(mode, lambda: home_screen(user))
        self._role_mode = mode
        self._note_activity()  # logging in is activity: the idle clock starts now
        await self.switch_mode(mode)
        # The login stack (with what was typed into it) goes; a fresh one is built on logout.
        await self.remove_mode(LOGIN_MODE)
        self.add_mode(LOGIN_MODE, self._new_login_screen)
        self.live.start()

    def on_own_email_changed(self, message: OwnEmailChanged) -> None:
        """The app and its home screens know the user by their new address from now on."""
        if self.user is None:
            return
        from doctorbook.tui.screens.home import HomeScreen

        self.user = replace(self.user, email=message.email)
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.user = self.user

    def can(self, permission: Permission) -> bool:
        """Whether the logged-in user's role holds `permission`: which keys a screen offers
        (core checks again on every call)."""
        return self.user is not None and self.user.role.can(permission)

    def on_registered(self, message: Registered) -> None:
        self.notify(f"Welcome, {message.user.name}! Your account is ready.", markup=False)

    def on_invite_accepted(self, message: InviteAccepted) -> None:
        from doctorbook.tui.widgets.appointments import doctor_title

        if message.user.role.is_doctor:
            text = (f"Welcome, {doctor_title(message.user.name)}: your account is ready. "
                    "Complete your profile.")
        else:  # a receptionist or an admin
            text = f"Welcome, {message.user.name}: your account is ready."
        self.notify(text, markup=False)

    async def on_appointment_changed(self, message: AppointmentChanged) -> None:
        """A screen booked, cancelled, moved or checked in a visit: say so, refresh the home
        screen's lists; the kiosk logs the patient out after each booking (DESIGN §6)."""
        if self.user is None:
            return
        self.notify(message.note, markup=False, timeout=10)
        if self.kiosk and message.booked:
            await self._log_out(KIOSK_BOOKED)
            return
        self._refresh_home()

    def on_logged_out(self, message: LoggedOut) -> None:
        self.notify(message.reason or "You have logged out.", markup=False)

    # --- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":
            return self.user is not None
        return True

    async def action_logout(self) -> None:
        await self._log_out()

    async def _log_out(self, reason: str | None = None) -> None:
        if self.user is None:
            return
        self._revoke_session(self.user.email, reason)
        await self._show_login()

    async def _show_login(self) -> None:
        """Back to a fresh login screen; the previous user's screens are thrown away."""
        self.live.stop()
        self.user = None
        if self._credentials is not None:
            self._credentials.owner = None
        self.login_made_here = False
        role_mode, self._role_mode = self._role_mode, None
        if self.current_mode != LOGIN_MODE:
            await self.switch_mode(LOGIN_MODE)
        if role_mode is not None:
            await self.remove_mode(role_mode)

    # --- live data --------------------------------------------------------------------------

    def on_data_changed(self, message: DataChanged) -> None:
        """A change committed somewhere: every screen of the user's stack that shows it reads
        it again (the one on top at once, the ones below before they show again)."""
        self._refresh_screens(message.changes)

    def on_reconnected(self, message: Reconnected) -> None:
        """Live updates were cut off for a while: anything may have changed meanwhile."""
        from doctorbook.core.base.live import Changes

        self._refresh_screens(Changes.everything())

    def action_refresh(self) -> None:
        """F5: the screen on top reads its data again."""
        from doctorbook.core.base.live import Changes
        from doctorbook.tui.live import ShowsLiveData

        if self.user is not None and isinstance(self.screen, ShowsLiveData):
            self.screen.refresh_data(Changes.everything())

    def _refresh_screens(self, changes: Changes) -> None:
        if self.user is None:
            return
        from doctorbook.tui.live import ShowsLiveData

        for screen in self.screen_stack:
            if isinstance(screen, ShowsLiveData):
                screen.refresh_data(changes)

    def on_unmount(self) -> None:
        if self._live is not None:  # never built: nobody logged in, nothing to stop
            self._live.stop()  # the listening connection ends with the app

    def action_help(self) -> None:
        from doctorbook.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        title = self.screen.sub_title or self.title
        self.push_screen(HelpScreen(self._key_help(), title=title))

    def _key_help(self) -> list[tuple[str, str]]:
        """The current screen's keys that mean something to a user, grouped by what they do."""
        keys: dict[str, list[str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or not (binding.show or binding.id):
                continue
            shown = keys.setdefault(binding.description, [])
            display = self.get_key_display(binding)
            if display not in shown:
                shown.append(display)
        return [(" / ".join(displays), does) for does, displays in keys.items()]

    # --- idle logout: the kiosk's patients, and staff at a desk they walked away from ------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent | events.Paste) and not event.is_forwarded:
            self._note_activity()
        if isinstance(event, events.Paste) and not event.is_forwarded:
            # A paste is typed text too: its control characters never reach a field (which
            # would draw them, and core would refuse them anyway).
            clean = events.Paste(pasteable(event.text))
            clean.set_sender(self)
            event = clean
        await super().on_event(event)

    def _note_activity(self) -> None:
        self._last_activity = self._monotonic()
        if self._idle_timer is None:
            self._idle_timer = self.set_timer(
                self.idle_seconds, self._idle_timer_fired, name="idle"
            )

    def _idle_timer_fired(self) -> None:
        # Textual runs a timer's callback in a task of its own, beside the app's message loop:
        # a logout from there could run in the middle of a login or a screen being mounted
        # (seen as ActiveModeError / NoMatches crashes). Check in the loop, between messages.
        self._idle_timer = None
        self.call_later(self.check_idle_logout)

    async def check_idle_logout(self) -> None:
        """Log out (or forget a half-typed form) if the clock says nobody touched the app for
        `idle_seconds`; else check again when the rest of that time is up.

        The idle timer has the app's message loop call this; a test with a fake clock calls it
        after moving the clock on, once the app is quiet. (Not `check_idle`: every Textual
        message pump has a method of that name.)
        """
        if self._idle_timer is not None:  # called before the timer fired: one timer at a time
            self._idle_timer.stop()
            self._idle_timer = None
        quiet = self._monotonic() - self._last_activity
        if quiet < self.idle_seconds:
            self._idle_timer = self.set_timer(
                self.idle_seconds - quiet, self._idle_timer_fired, name="idle"
            )
            return
        await self._idle_timeout()

    async def _idle_timeout(self) -> None:
        """Nobody touched the app for a while: log out, or forget a half-typed form."""
        if self.user is not None:
            await self._log_out(
                f"You were logged out after {_duration(self.idle_seconds)} without activity."
            )
            return
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        login = self.screen_stack[0] if self.screen_stack else None
        if isinstance(login, LoginScreen):
            login.clear_form()


class KioskApp(DoctorbookApp):
    """The patient kiosk: patients only, no way out to a shell, idle logout, no stored tokens."""

    TITLE = "doctorbook kiosk"
    KIOSK = True
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "stay", show=False, priority=True, id="quit"),
        Binding("ctrl+c", "stay", show=False, priority=True, id="interrupt"),
    ]

    async def action_quit(self) -> None:
        """Quitting would leave a shell at a public terminal: refuse."""
        self.bell()

    def action_stay(self) -> None:
        self.bell()


class AppOptions(TypedDict, total=False):
    """What `make_app` passes on to the app as it is (see `DoctorbookApp.__init__`)."""

    idle_seconds: float | None
    login_hint: str | None
    notice: str | None
    crash_after_login: bool
    restart_embedded: bool
    monotonic: Callable[[], float]
    after_first_paint: Callable[[], object] | None


def make_app(
    *,
    settings: Settings,
    db: AppDatabase,
    store: SessionStore | None,
    kiosk: bool = False,
    **options: Unpack[AppOptions],
) -> DoctorbookApp:
    """Build the app; the kiosk (and a missing store) keeps tokens in memory only. `monotonic`
    is the clock idle time is measured on (a test's fake clock; see `check_idle_logout`);
    `after_first_paint` is called once the login form is on screen."""
    if kiosk or store is None:
        store = MemoryStore()
    factory = KioskApp if kiosk else DoctorbookApp
    return factory(settings=settings, db=db, store=store, **options)
