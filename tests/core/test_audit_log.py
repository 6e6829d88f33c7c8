"""The audit log is append-only, held by the database itself and not only by code."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from doctorbook.core.base import audit
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.rbac import Actor, Role
from tests.conftest import NOW, make_user

TAMPERING = [
    "UPDATE audit_log SET action = 'nothing.happened'",
    "UPDATE audit_log SET data = '{}'::jsonb WHERE action = 'user.registered'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE action = 'user.registered'",
    "TRUNCATE audit_log",
]


def _rows(conn_or_session) -> list[tuple]:
    return [
        tuple(r)
        for r in conn_or_session.execute(
            text("SELECT id, action, entity_id, data::text FROM audit_log ORDER BY id")
        )
    ]


@pytest.mark.parametrize("statement", TAMPERING)
def test_the_database_refuses_to_rewrite_history(uow: UnitOfWork, statement: str) -> None:
    make_user(uow, email="alice@example.com")
    before = _rows(uow.session)
    assert [r[1] for r in before] == ["user.registered"]

    with pytest.raises(DBAPIError, match="append-only"), uow.session.begin_nested():
        uow.session.execute(text(statement))

    assert _rows(uow.session) == before


def test_appending_still_works(uow: UnitOfWork) -> None:
    admin = make_user(uow, email="root@example.com", role=Role.ADMIN)
    audit.record(uow, actor=admin, action="test.appended", entity_kind="thing", entity_id=42,
                 data={"why": "because", "password": "never stored", "token": "nor this"})
    uow.commit()

    [entry] = audit.list_entries(uow, actor=admin, action="test.appended")
    assert (entry.actor_id, entry.actor_role, entry.entity_kind, entry.entity_id) == (
        admin.user_id, "admin", "thing", "42"
    )
    assert entry.at == NOW
    assert entry.data == {"why": "because"}  # secret keys are dropped whatever a caller passes


def test_committed_entries_cannot_be_deleted_through_another_connection(db: Database) -> None:
    with db.unit_of_work() as uow:
        audit.record(uow, actor=Actor.anonymous(), action="test.committed", data={"n": 1})
        uow.commit()

    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))

    with db.engine.connect() as conn:
        assert [r[1] for r in _rows(conn)] == ["test.committed"]
