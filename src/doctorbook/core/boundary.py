"""The apps' one way into core: who is calling, one unit of work, the use case, one commit."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar, cast

# identity, not auth: authenticating is Core SQL, and a command needing nothing more (whoami)
# never imports the ORM; auth (the models) comes in when a login must be renewed.
from doctorbook.core.accounts import identity
from doctorbook.core.accounts.session_store import SessionStore, StoredSession, not_logged_in
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.errors import AuthenticationError
from doctorbook.core.base.rbac import Actor

R = TypeVar("R")

#: A lock held around a stored session's refresh (see session_store.profile_lock).
Lock = Callable[[], contextlib.AbstractContextManager[None]]


class Credentials(Protocol):
    """Where the caller's access token comes from, and what to do when it is refused."""

    def access_token(self) -> str | None:
        """The token to present; None when nobody is logged in."""
        ...

    def not_logged_in(self) -> AuthenticationError:
        """The refusal for a caller with no token at all."""
        ...

    def recover(self, error: AuthenticationError, presented: str) -> bool:
        """After `error` refused the token `presented`: True when `access_token()` now holds
        one worth one more try (renewed, or rotated by another process); False to give up."""
        ...


class TokenCredentials:
    """A fixed token (DOCTORBOOK_TOKEN, a script's): nothing to renew."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    def access_token(self) -> str | None:
        return self._token

    def not_logged_in(self) -> AuthenticationError:
        return AuthenticationError("not logged in")

    def recover(self, error: AuthenticationError, presented: str) -> bool:
        return False


class LoginReplaced(AuthenticationError):
    """The profile's stored login now belongs to another account than the one this app
    logged in as."""


class StoredCredentials:
    """A login kept in a session store (keyring, file, memory), renewed when it expires.

    `lock` serialises refreshes of one profile across processes: two commands finding the
    access token expired at once would otherwise both present the same refresh token, and the
    second would look like theft and end the whole login. `forget_on_failure` clears the store
    when the login is over for good (the TUI's choice: back to the login form).
    """

    def __init__(self, db: Database, store: SessionStore, *, lock: Lock | None = None,
                 forget_on_failure: bool = False,
                 thread_lock: threading.Lock | None = None) -> None:
        self.db = db
        self.store = store
        self._lock = lock
        self._forget = forget_on_failure
        #: Threads of one app (the TUI's workers) renew one at a time too; the app passes the
        #: lock it holds while it saves or clears the store itself.
        self._threads = thread_lock or threading.Lock()
        #: Whose login this is, once an app holding it is logged in (`owner`, the account's
        #: e-mail). The store is the profile's, shared by its terminals and the CLI: a login
        #: made meanwhile as someone else must end this one, never lend it their account.
        self.owner: str | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._threads, self._lock() if self._lock is not None else contextlib.nullcontext():
            yield

    def access_token(self) -> str | None:
        stored = self.store.load()
        if stored is None:
            return None
        if not self.owns(stored):
            raise LoginReplaced(
                "you were logged out here: this profile has been logged in as someone else "
                "since (another terminal or `doctorbook login`); log in again")
        return stored.access_token

    def owns(self, stored: StoredSession) -> bool:
        """Whether `stored` is this holder's login (any login, before it has an owner)."""
        return self.owner is None or stored.email.casefold() == self.owner.casefold()

    def not_logged_in(self) -> AuthenticationError:
        return not_logged_in(self.store)

    def recover(self, error: AuthenticationError, presented: str) -> bool:
        with self._locked():
            current = self.store.load()
            if current is None:
                return False
            if current.access_token != presented:
                return True  # another process rotated the tokens meanwhile: use its pair
            if not isinstance(error, identity.SessionExpired):
                self._give_up()
                return False
            from doctorbook.core.accounts import auth

            try:
                # Its own short transaction: renewing a login is not the user's action.
                with self.db.unit_of_work() as uow:
                    renewed = auth.refresh(uow, refresh_token=current.refresh_token)
            except AuthenticationError:
                self.store.clear()  # the refresh token is spent or revoked: the login is over
                raise
            self.store.save(StoredSession(renewed.access_token, renewed.refresh_token,
                                          renewed.user.email))
            if self.owner is not None:  # our own login renewed: its address may have changed
                self.owner = renewed.user.email
        return True

    def _give_up(self) -> None:
        if self._forget:
            self.store.clear()


class Core:
    """Runs a use case for the caller: authenticate, then the use case, in one unit of work that
    commits once at the end (or rolls back on any error): the use case's own `commit()` calls
    only flush here (`UnitOfWork.defer_commits`). Entry points only translate errors."""

    def __init__(self, db: Database, credentials: Credentials) -> None:
        self.db = db
        self.credentials = credentials

    def run(self, use_case: Callable[..., R], /, **kwargs: Any) -> R:
        """`use_case(uow, actor=<the logged-in caller>, **kwargs)`; refused when nobody is."""
        return self._run(use_case, kwargs, anonymous=False)

    def run_as_anyone(self, use_case: Callable[..., R], /, **kwargs: Any) -> R:
        """Like `run`, for the use cases open to everyone: a caller with no login, or whose
        login is over, runs as the anonymous actor (what they may see, core decides)."""
        return self._run(use_case, kwargs, anonymous=True)

    def run_open(self, use_case: Callable[..., R], /, **kwargs: Any) -> R:
        """`use_case(uow, **kwargs)` for use cases that take no actor (register, log in, a
        code from an e-mail): one unit of work, one commit."""
        with self.db.unit_of_work() as uow:
            uow.defer_commits()
            result = use_case(uow, **kwargs)
            uow.commit_now()
        return result

    def run_read(self, use_case: Callable[..., R], /, **kwargs: Any) -> R:
        """`use_case(uow, **kwargs)`, taking no actor, on the read side: the hot standby
        (DOCTORBOOK_READ_DATABASE_URL) when there is one, else the primary, in a READ ONLY
        transaction. Only for use cases that may read a moment behind the primary (search):
        what they must write (a product event) goes through `uow.write_on_primary`, to the
        primary after the read (`Database.read`). Reads that must see the caller's own writes
        (a day view, appointments, the booking itself, whoami) use `run`."""
        return self._database().read(lambda uow: use_case(uow, **kwargs))

    def run_read_as_user(self, use_case: Callable[..., R], /, **kwargs: Any) -> R:
        """`run_read` for the logged-in caller (`use_case(uow, actor=..., **kwargs)`). The
        caller is authenticated on the primary, in a transaction of its own: a login made a
        moment ago may not have reached the standby yet."""
        actor = self.whoami()
        return self._database().read(lambda uow: use_case(uow, actor=actor, **kwargs))

    def run_read_as_anyone(self, use_case: Callable[..., R], /, **kwargs: Any) -> R:
        """`run_read` as whoever is there, maybe nobody (`run_as_anyone`'s actor, found on the
        primary): a doctor's public profile."""
        actor = self.run_as_anyone(_caller)
        return self._database().read(lambda uow: use_case(uow, actor=actor, **kwargs))

    def _database(self) -> Database:
        """The database to read from. The TUI's is still opening in a thread at first
        (launch.py's OpeningDatabase hands out units of work, and the opened Database once
        `ready()`, waiting for it): its read side is the opened one's."""
        ready = getattr(self.db, "ready", None)
        return cast("Database", ready()) if callable(ready) else self.db

    def whoami(self) -> Actor:
        """The logged-in caller (a use case of its own: one unit of work)."""
        return self.run(_caller)

    def _run(self, use_case: Callable[..., R], kwargs: dict[str, Any], *, anonymous: bool) -> R:
        retried = False
        while True:
            with self.db.unit_of_work() as uow:
                # The use case's own commits only flush: its action commits once, here.
                uow.defer_commits()
                try:
                    actor = self._authenticate(uow, anonymous=anonymous, retried=retried)
                except _Retry:
                    retried = True
                    continue
                result = use_case(uow, actor=actor, **kwargs)
                uow.commit_now()
            return result

    def _authenticate(self, uow: UnitOfWork, *, anonymous: bool, retried: bool) -> Actor:
        """The caller, in the use case's own unit of work; raises _Retry once when the
        credentials renewed the token (expired, or rotated by another process)."""
        token = self.credentials.access_token()
        if token is None:
            if anonymous:
                return Actor.anonymous()
            raise self.credentials.not_logged_in()
        try:
            return identity.authenticate(uow, access_token=token)
        except AuthenticationError as error:
            try:
                recovered = not retried and self.credentials.recover(error, token)
            except AuthenticationError:
                if anonymous:
                    return Actor.anonymous()
                raise
            if recovered:
                raise _Retry from None
            if anonymous:
                return Actor.anonymous()
            raise


def _caller(uow: UnitOfWork, *, actor: Actor) -> Actor:
    return actor


class _Retry(Exception):
    """The token was renewed: authenticate again, in a fresh unit of work."""


def resume(db: Database, store: SessionStore, lock: Lock | None = None) -> Actor:
    """The actor of the stored session, refreshing an expired access token transparently."""
    return Core(db, StoredCredentials(db, store, lock=lock)).whoami()
