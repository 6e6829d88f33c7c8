"""A pooled connection the server closed is replaced before a unit of work gets it, without a
round trip on every checkout (the pre-ping's SELECT 1 was a fifth of a booking's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text

from doctorbook.core.base.db import Database


@pytest.fixture
def observer(fresh_db_url: str) -> Iterator[Connection]:
    """A connection of its own (not from the pool under test), to watch and terminate."""
    engine = create_engine(fresh_db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def _backend_pid(db: Database) -> int:
    with db.unit_of_work() as uow:
        pid = int(uow.execute(text("SELECT pg_backend_pid()")).scalar_one())
        uow.commit()
        return pid


def test_a_connection_the_server_terminated_is_replaced_quietly(
    db: Database, observer: Connection
) -> None:
    first = _backend_pid(db)
    # Waits (up to 10 s) until the backend is gone: its goodbye is on the pooled socket.
    assert observer.execute(text("SELECT pg_terminate_backend(:pid, 10000)"),
                            {"pid": first}).scalar_one()
    # The pool still holds it: the next unit of work gets a fresh connection, and no error.
    second = _backend_pid(db)
    assert second != first
    assert _backend_pid(db) == second  # and keeps that one


def test_a_live_pooled_connection_is_handed_out_without_a_round_trip(
    db: Database, observer: Connection
) -> None:
    first = _backend_pid(db)
    with db.unit_of_work() as uow:
        assert uow.connection is not None  # checked out
        # What the pooled backend last ran: the last unit of work's commit, no ping since.
        last = observer.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"),
                                {"pid": first}).scalar_one()
        assert last == "COMMIT"
