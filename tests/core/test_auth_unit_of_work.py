"""Authenticating is Core SQL on the unit of work's connection, its ORM session comes on first
use: whatever a use case mixes, it is still one transaction, committed once or not at all."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text

from doctorbook.core.accounts import auth, identity
from doctorbook.core.base.db import Database, UnitOfWork, make_engine
from doctorbook.core.base.errors import DatabaseUnavailable
from doctorbook.core.base.models import User
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.boundary import Core, TokenCredentials
from tests.conftest import PASSWORD, make_user

ANN = "ann@example.com"


def signed_in(db: Database) -> tuple[Actor, Core]:
    with db.unit_of_work() as uow:
        actor = make_user(uow, email=ANN, name="Ann Smith", role=Role.ADMIN)
        token = auth.login(uow, email=ANN, password=PASSWORD).access_token
    return actor, Core(db, TokenCredentials(token))


def person(db: Database, user_id: int | None) -> tuple[str, str | None]:
    with db.unit_of_work() as uow:
        row = uow.execute(text("SELECT name, phone FROM users WHERE id = :id"),
                          {"id": user_id}).one()
    return row.name, row.phone


def rename(uow: UnitOfWork, user_id: int | None, name: str) -> None:
    uow.execute(text("UPDATE users SET name = :name WHERE id = :id"), {"name": name, "id": user_id})


def test_core_sql_and_the_orm_in_one_use_case_commit_together_or_not_at_all(db: Database) -> None:
    actor, core = signed_in(db)

    def both(uow: UnitOfWork, *, actor: Actor, fail: bool) -> tuple[int, int]:
        before = uow.execute(text("SELECT txid_current()")).scalar_one()
        rename(uow, actor.user_id, "Ann Core")
        user = uow.session.get(User, actor.user_id)
        assert user is not None
        user.phone = "+49 30 1234"
        during = uow.session.execute(text("SELECT txid_current()")).scalar_one()
        if fail:
            raise RuntimeError("refused after writing both ways")
        return before, during

    with pytest.raises(RuntimeError):
        core.run(both, fail=True)
    assert person(db, actor.user_id) == ("Ann Smith", None)

    before, during = core.run(both, fail=False)
    assert before == during  # the ORM joined the transaction authenticating began
    assert person(db, actor.user_id) == ("Ann Core", "+49 30 1234")


def test_core_sql_sees_what_the_session_has_not_flushed_yet(db: Database) -> None:
    _, core = signed_in(db)

    def rename_then_look(uow: UnitOfWork, *, actor: Actor) -> str:
        user = uow.session.get(User, actor.user_id)
        assert user is not None
        user.name = "Ann Renamed"
        return identity.whoami(uow, actor=actor).name

    assert core.run(rename_then_look) == "Ann Renamed"


def test_commits_alternating_core_sql_and_the_orm_each_hold(db: Database) -> None:
    actor, _ = signed_in(db)
    with db.unit_of_work() as uow:
        rename(uow, actor.user_id, "First")
        uow.commit()
        user = uow.session.get(User, actor.user_id)
        assert user is not None
        user.phone = "+49 30 1"
        uow.commit()
        rename(uow, actor.user_id, "Third")
        uow.commit()
        rename(uow, actor.user_id, "Never")  # not committed: rolled back on leaving
    assert person(db, actor.user_id) == ("Third", "+49 30 1")


def test_an_unreachable_server_is_database_unavailable_without_the_orm_too(
    db: Database,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])  # closed again: nothing listens there
    down = Database(engine=make_engine(f"postgresql://postgres@127.0.0.1:{port}/nothing"),
                    clock=db.clock)
    try:
        with pytest.raises(DatabaseUnavailable, match=r"^database unreachable: "):
            Core(down, TokenCredentials("dba_anything")).whoami()
        with pytest.raises(DatabaseUnavailable), down.unit_of_work() as uow:
            uow.session.get(User, 1)
    finally:
        down.dispose()
