"""Engine, unit of work and opening the configured database (embedded or external)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.orm import sessionmaker

from doctorbook.core.base import embedded
from doctorbook.core.base.clock import Clock, SystemClock
from doctorbook.core.base.errors import DatabaseUnavailable, SchemaOutOfDate

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import ExceptionContext
    from sqlalchemy.orm import Session

    from doctorbook.core.base.settings import Settings

#: The Alembic revision this code expects; a test keeps it equal to the script head.
SCHEMA_REVISION = "0008"


def normalise_url(url: str) -> str:
    """Accept plain libpq URLs and point SQLAlchemy at psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    engine = create_engine(
        normalise_url(url),
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "application_name": "doctorbook"},
    )
    # Every unit of work, migration and status check goes through an engine made here, so a
    # connection failure leaves core as DatabaseUnavailable and no entry point needs to know
    # SQLAlchemy's or the driver's exceptions.
    event.listen(engine, "handle_error", _as_unavailable)
    return engine


def _as_unavailable(context: ExceptionContext) -> DatabaseUnavailable | None:
    """SQLAlchemy's hook for every driver error: a refused, lost or failing connection
    (OperationalError / InterfaceError) becomes DatabaseUnavailable, chained to the driver's
    error so logs keep it; any other error passes unchanged."""
    if context.is_pre_ping:
        return None  # the pool reconnects after a failed ping: replacing it would stop that
    if isinstance(context.sqlalchemy_exception, OperationalError | InterfaceError):
        return DatabaseUnavailable(describe_unreachable(context.original_exception))
    return None


class UnitOfWork:
    """One use case, one transaction: rolls back on exit unless `commit()` was called."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def now(self) -> datetime:
        return self.clock.now()


@dataclass
class Database:
    """A connected database: hands out units of work sharing one engine and clock."""

    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    _factory: sessionmaker[Session] | None = None

    def unit_of_work(self) -> UnitOfWork:
        if self._factory is None:
            self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        # Sessions connect lazily: a dead server shows up at the first query, as
        # DatabaseUnavailable (the engine's `handle_error` hook, see `make_engine`).
        return UnitOfWork(self._factory(), self.clock)

    def dispose(self) -> None:
        self.engine.dispose()


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
    return embedded.ensure_running(settings.pgdata).url()


def open_database(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> Database:
    """Connect to the configured database and make sure its schema is current.

    The embedded database is migrated automatically; an external one must be migrated with
    `doctorbook db upgrade` (we never change a shared server's schema behind its owner's back).
    """
    engine = make_engine(database_url(settings))
    db = Database(engine=engine, clock=clock or SystemClock())
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
        db = Database(engine=engine, clock=db.clock)
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
