"""Engine, unit of work and opening the configured database (embedded or external)."""

from __future__ import annotations

import select
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, ProgrammingError

from doctorbook.core.base import live
from doctorbook.core.base.clock import Clock, SystemClock
from doctorbook.core.base.errors import DatabaseUnavailable, SchemaOutOfDate

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy import Connection, CursorResult, Executable
    from sqlalchemy.engine import ExceptionContext
    from sqlalchemy.orm import Session

    from doctorbook.core.base.settings import Settings

#: The Alembic revision this code expects; a test keeps it equal to the script head.
SCHEMA_REVISION = "0011"

R = TypeVar("R")

#: Seconds a connection to the primary may take before the server counts as unreachable.
CONNECT_TIMEOUT = 5
#: The same for the hot standby, shorter: a read that can't reach it goes to the primary
#: instead, and a person waits this long once (libpq's minimum is 2 s).
READ_CONNECT_TIMEOUT = 2
#: After the standby failed to answer, reads go to the primary this long before it is tried
#: again: not a 2-second wait on every search while it is down.
READ_RETRY_SECONDS = 60.0
#: SQLSTATE classes of a query the standby cancelled while replaying the primary's changes
#: (a recovery conflict: 40001 serialization failure, 40P01 deadlock): the standby is fine,
#: the read is tried again on the primary.
_CONFLICT_CLASS = "40"


def normalise_url(url: str) -> str:
    """Accept plain libpq URLs and point SQLAlchemy at psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, connect_timeout: int = CONNECT_TIMEOUT) -> Engine:
    engine = create_engine(
        normalise_url(url),
        connect_args={"connect_timeout": connect_timeout, "application_name": "doctorbook"},
    )
    # Every unit of work, migration and status check goes through an engine made here, so a
    # connection failure leaves core as DatabaseUnavailable and no entry point needs to know
    # SQLAlchemy's or the driver's exceptions.
    event.listen(engine, "handle_error", _as_unavailable)
    event.listen(engine.pool, "checkout", _still_connected)
    return engine


def _still_connected(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Drop a pooled connection the server has closed, before a unit of work gets it (the
    pool then connects anew). Without a round trip, unlike SQLAlchemy's pre-ping (a SELECT 1
    on every checkout, a fifth of a booking's round trips): an idle connection has nothing to
    read unless the server has gone (its "terminating connection" notice, or end of file
    after a restart, a crash or a killed backend)."""
    if dbapi_connection.closed or _has_input(dbapi_connection.fileno()):
        raise DisconnectionError("the server closed this connection")


def _has_input(fd: int) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])  # Windows: no poll, no fd limit there


def _as_unavailable(context: ExceptionContext) -> DatabaseUnavailable | None:
    """SQLAlchemy's hook for every driver error: a refused, lost or failing connection
    (OperationalError / InterfaceError) becomes DatabaseUnavailable, chained to the driver's
    error so logs keep it; any other error passes unchanged."""
    if isinstance(context.sqlalchemy_exception, OperationalError | InterfaceError):
        return DatabaseUnavailable(describe_unreachable(context.original_exception))
    return None


class UnitOfWork:
    """One use case, one transaction: rolls back on exit unless `commit()` was called.

    Made on an engine, it connects on first use and makes its ORM `session` only when that is
    first asked for: authenticating a token and `whoami` are Core SQL (`execute`), so a
    command that needs nothing more never imports sqlalchemy.orm and the models (~80 ms, a
    fifth of a warm `doctorbook whoami`). The session is bound to the same connection and
    takes over its transaction, so a use case using both is still one transaction. Made on a
    session (the tests' savepoint-wrapped one), everything goes through that session.
    """

    def __init__(self, bind: Engine | Session, clock: Clock, *, read_only: bool = False,
                 on_standby: bool = False) -> None:
        self.clock = clock
        #: Its transaction is READ ONLY (the read side: `Database.read_unit_of_work`); what a
        #: use case must write meanwhile goes through `write_on_primary`.
        self.read_only = read_only
        #: It reads from the hot standby (DOCTORBOOK_READ_DATABASE_URL), not the primary.
        self.on_standby = on_standby
        #: Writes `write_on_primary` queued on a read-only unit of work (`Database.read` runs
        #: them on the primary once the read is done).
        self._primary_writes: list[Callable[[UnitOfWork], None]] = []
        self._engine: Engine | None = None
        self._session: Session | None = None
        #: The connection this unit of work opened itself (on an engine), closed on exit.
        self._connection: Connection | None = None
        #: What the use case changed so far, announced once it commits (see `changed`).
        self._changed = live.Recorder()
        #: Set by the boundary: the use case's own commits only flush (see defer_commits).
        self._deferred = False
        if isinstance(bind, Engine):
            self._engine = bind
        else:
            self._session = bind

    @property
    def connection(self) -> Connection:
        """The connection of this unit of work's transaction (connecting on first use: a dead
        server shows up here, as DatabaseUnavailable, see `make_engine`)."""
        if self._session is not None:
            return self._session.connection()
        if self._connection is None:
            assert self._engine is not None
            connection = self._engine.connect()
            if self.read_only:
                # psycopg then begins with BEGIN READ ONLY: no extra round trip, and a write
                # that slipped into a read use case fails here as it would on the standby.
                connection.execution_options(postgresql_readonly=True)
            self._connection = connection
        return self._connection

    @property
    def session(self) -> Session:
        """The ORM session, made on first use, in this unit of work's transaction."""
        if self._session is None:
            from sqlalchemy.orm import Session  # the import the ORM-free path saves

            # control_fully: the session's commit and rollback are the transaction's own,
            # whether it began it or joined one that Core statements had begun.
            self._session = Session(bind=self.connection, expire_on_commit=False,
                                    join_transaction_mode="control_fully")
        return self._session

    def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> CursorResult[Any]:
        """Core SQL in this unit of work's transaction; it sees what the session (if one was
        made) has pending, which is flushed first."""
        if self._session is not None:
            self._session.flush()
        return self.connection.execute(statement, params)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._session is not None:
                try:
                    self._session.rollback()
                finally:
                    self._session.close()
        finally:
            if self._connection is not None:
                self._connection.close()  # rolls back what is still open

    def write_on_primary(self, write: Callable[[UnitOfWork], None]) -> None:
        """What a reading use case must write (a product event, e.g. `search_shown`): here and
        now on a unit of work of the primary, in the use case's transaction as before; on a
        read-only one (the standby), queued, and written on the primary in a short transaction
        of its own once the read is done (`Database.read`)."""
        if self.read_only:
            self._primary_writes.append(write)
        else:
            write(self)

    def take_primary_writes(self) -> list[Callable[[UnitOfWork], None]]:
        """The writes `write_on_primary` queued so far (and no longer)."""
        writes, self._primary_writes = self._primary_writes, []
        return writes

    def defer_commits(self) -> None:
        """From now on `commit()` only flushes: the caller (the boundary, `Core.run`) commits
        once, with `commit_now()`, after the use case returned. So a use case made of others
        (log in replacing a login, a change and the list read after it) is one transaction,
        and a refusal anywhere in it leaves nothing half-written."""
        self._deferred = True

    def commit(self) -> None:
        """The use case is done with its changes: committed now, or (under `defer_commits`)
        flushed, to be committed with the rest of the caller's action."""
        if self._deferred:
            if self._session is not None:
                self._session.flush()
            return
        self.commit_now()

    def commit_now(self) -> None:
        """Commit at once, even under `defer_commits`: for what must outlive the refusal that
        follows (a failed login is counted, then refused) and for batches that commit as they
        go (slot generation, doctor by doctor)."""
        if self._session is not None:
            self._session.commit()
        # Core statements only (or a session that had not joined the transaction yet).
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()
        self._announce()

    def changed(self, topic: str, *ids: int) -> None:
        """Record what this use case changed (a topic of `live`, with ids; none: anything of
        it): every open screen showing it hears of it once the change commits."""
        self._changed.add(topic, ids)

    def _announce(self) -> None:
        # After the commit, in a transaction of its own: a NOTIFY inside the use case's
        # transaction would take a cluster-wide lock until its commit and serialise them all.
        changes = self._changed.take()
        if changes is None:
            return
        if self._connection is not None:
            live.announce(self._connection, changes)
        elif self._session is not None:
            bind = self._session.get_bind()
            live.announce(bind if isinstance(bind, Engine) else bind.engine, changes)

    def rollback(self) -> None:
        self._changed.clear()
        if self._session is not None:
            self._session.rollback()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

    def now(self) -> datetime:
        return self.clock.now()


@dataclass
class Database:
    """A connected database: hands out units of work sharing one engine and clock.

    With a `read_url` (DOCTORBOOK_READ_DATABASE_URL, a hot standby), reads that may lag the
    primary by a moment (search, public profiles: `read`) go there; everything else, writes
    and the reads that must see what was just written, goes to the primary (`engine`).
    """

    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    #: The standby's URL (it may hold a password: never in a repr).
    read_url: str | None = field(default=None, repr=False)
    read_retry_seconds: float = READ_RETRY_SECONDS
    _read_engine: Engine | None = field(default=None, init=False, repr=False)
    #: time.monotonic() when the standby last failed to answer (None: it has not).
    _standby_failed_at: float | None = field(default=None, init=False, repr=False)
    _standby_warned: bool = field(default=False, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def unit_of_work(self) -> UnitOfWork:
        # It connects lazily: a dead server shows up at the first query, as
        # DatabaseUnavailable (the engine's `handle_error` hook, see `make_engine`).
        return UnitOfWork(self.engine, self.clock)

    def read_unit_of_work(self) -> UnitOfWork:
        """A read-only unit of work on the standby, or on the primary when there is none or
        it can't be reached (then said once, on stderr, and tried again after
        `read_retry_seconds`). Its `write_on_primary` writes are queued, not written: `read`
        runs them, so use that unless the use case writes nothing at all."""
        standby = self._standby()
        if standby is not None:
            uow = UnitOfWork(standby, self.clock, read_only=True, on_standby=True)
            try:
                _ = uow.connection  # connect now: an unreachable standby shows here
            except DatabaseUnavailable as exc:
                self._standby_failed(exc)  # it holds no connection: nothing to close
            else:
                return uow
        return UnitOfWork(self.engine, self.clock, read_only=True)

    def read(self, work: Callable[[UnitOfWork], R]) -> R:
        """`work(uow)` on the read side (`read_unit_of_work`), then what it queued with
        `write_on_primary`, on the primary, in one short transaction.

        A read the standby fails mid-way (it went away, or cancelled the query in a recovery
        conflict with the changes it replays) is done again once, on the primary. The standby
        may lag the primary by a moment: what it reads must be safe to show a little late
        (search and profiles are: a booking claims its slot on the primary, with a conditional
        UPDATE, so a slot that was just taken is refused there, never booked twice)."""
        with self.read_unit_of_work() as uow:
            uow.defer_commits()
            try:
                result, writes = work(uow), uow.take_primary_writes()
            except DatabaseUnavailable as exc:
                if not uow.on_standby:
                    raise
                self._standby_failed(exc)
                retry = True
            else:
                retry = False
        if retry:
            with UnitOfWork(self.engine, self.clock, read_only=True) as uow:
                uow.defer_commits()
                result, writes = work(uow), uow.take_primary_writes()
        if writes:
            with self.unit_of_work() as primary:
                primary.defer_commits()
                for write in writes:
                    write(primary)
                primary.commit_now()
        return result

    def _standby(self) -> Engine | None:
        """The standby's engine (made on first use, its own pool), or None: there is none, or
        it failed to answer less than `read_retry_seconds` ago."""
        if self.read_url is None:
            return None
        with self._lock:
            failed = self._standby_failed_at
            if failed is not None and time.monotonic() - failed < self.read_retry_seconds:
                return None
            if self._read_engine is None:
                self._read_engine = make_engine(self.read_url,
                                                connect_timeout=READ_CONNECT_TIMEOUT)
            return self._read_engine

    def _standby_failed(self, exc: DatabaseUnavailable) -> None:
        """A recovery conflict passes (the next read tries the standby again); a standby that
        can't be reached is left alone for a while, and said once per process (per
        Database: a process has one)."""
        if _sqlstate(exc).startswith(_CONFLICT_CLASS):
            return
        with self._lock:
            self._standby_failed_at = time.monotonic()
            if self._read_engine is not None:
                self._read_engine.dispose()  # its pooled connections are dead too
            warned, self._standby_warned = self._standby_warned, True
        if not warned:
            why = str(exc).removeprefix("database unreachable: ")
            # stderr, not a logger: whoever runs the command should know their reads moved.
            print(f"doctorbook: read replica unreachable ({why}); reading from the primary",
                  file=sys.stderr)

    def dispose(self) -> None:
        self.engine.dispose()
        with self._lock:
            if self._read_engine is not None:
                self._read_engine.dispose()
                self._read_engine = None


def _sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of the driver's error behind `exc` ("" for a refused connection)."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(getattr(seen, "orig", None),
                                                           "sqlstate", None)
        if isinstance(code, str):
            return code
        seen = seen.__cause__ or seen.__context__
    return ""


def describe_unreachable(exc: BaseException) -> str:
    """One line for a connection failure: the driver's first line, never a traceback."""
    first = str(getattr(exc, "orig", exc)).strip().splitlines()
    return "database unreachable: " + (first[0] if first else type(exc).__name__)


def current_revision(engine: Engine) -> str | None:
    # An unreachable server raises DatabaseUnavailable (see `make_engine`).
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except ProgrammingError:
        return None  # no alembic_version table: a fresh database


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL for the settings; starts the embedded server if that is the choice."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    # Imported here: a command on an external server (cron, a shared install) skips it.
    from doctorbook.core.base import embedded

    return embedded.ensure_running(settings.pgdata).url()


def open_database(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> Database:
    """Connect to the configured database and make sure its schema is current.

    The embedded database is migrated automatically; an external one must be migrated with
    `doctorbook db upgrade` (we never change a shared server's schema behind its owner's back).
    """
    engine = make_engine(database_url(settings))
    read_url = normalise_url(settings.read_database_url) if settings.read_database_url else None
    db = Database(engine=engine, clock=clock or SystemClock(), read_url=read_url)
    if not migrate:
        return db
    try:
        revision = current_revision(engine)
    except DatabaseUnavailable:
        if settings.database_url:
            raise
        # A server that just died leaves a stale postmaster.pid for a moment: retry once.
        time.sleep(1.0)
        engine.dispose()
        engine = make_engine(database_url(settings))
        db = Database(engine=engine, clock=db.clock, read_url=read_url)
        revision = current_revision(engine)
    if revision != SCHEMA_REVISION:
        if settings.database_url:
            raise SchemaOutOfDate(
                f"the database schema is at {revision or 'nothing'}, this doctorbook needs "
                f"{SCHEMA_REVISION}; run `doctorbook db upgrade`"
            )
        # local: migrate loads alembic, ~95 ms that every command reaching the database
        # (`whoami` too) would pay for an upgrade only the embedded server ever needs here
        from doctorbook.core.base import migrate as migrations

        migrations.upgrade(engine)
    return db
