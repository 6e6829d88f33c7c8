"""The one way into core (core/boundary.py), on the real database: the caller is authenticated
in the use case's own unit of work, which commits once or not at all; an expired login is
renewed on the way; a login that is over is refused (and forgotten where asked)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from doctorbook.core.accounts import accounts, auth
from doctorbook.core.accounts.session_store import MemoryStore, StoredSession
from doctorbook.core.base.db import Database, UnitOfWork
from doctorbook.core.base.errors import AuthenticationError, PermissionDenied
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.boundary import Core, StoredCredentials, TokenCredentials
from doctorbook.core.doctors import specialties
from tests.conftest import PASSWORD, make_user

ADMIN = "ada@clinic.example"


def logged_in(db: Database, email: str) -> MemoryStore:
    with db.unit_of_work() as uow:
        result = auth.login(uow, email=email, password=PASSWORD)
    store = MemoryStore()
    store.save(StoredSession(result.access_token, result.refresh_token, email))
    return store


def admin_core(db: Database) -> tuple[Core, MemoryStore]:
    with db.unit_of_work() as uow:
        make_user(uow, email=ADMIN, name="Ada Admin", role=Role.ADMIN)
    store = logged_in(db, ADMIN)
    return Core(db, StoredCredentials(db, store, forget_on_failure=True)), store


def names(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return list(uow.session.execute(text("SELECT name FROM specialties ORDER BY name"))
                    .scalars())


def test_a_use_case_runs_as_the_caller_and_commits(db: Database) -> None:
    core, _ = admin_core(db)
    view = core.run(specialties.add, name="Cardiology")
    assert view.name == "Cardiology"
    assert "Cardiology" in names(db)
    assert core.whoami().email == ADMIN


def test_a_failing_use_case_leaves_nothing_half_written(db: Database) -> None:
    core, _ = admin_core(db)

    def add_then_fail(uow: UnitOfWork, *, actor: Actor) -> None:
        # Core's own use case, without its commit, then a refusal: nothing may stay.
        uow.session.execute(text("INSERT INTO specialties (name, slug, created_at) "
                                 "VALUES ('Half', 'half', now())"))
        raise PermissionDenied("refused after writing")

    with pytest.raises(PermissionDenied):
        core.run(add_then_fail)
    assert "Half" not in names(db)


def test_the_caller_is_authenticated_in_the_use_cases_own_transaction(db: Database) -> None:
    """Disabling an account and the next call race no more: the session is checked inside the
    same transaction that runs the use case (one user action, one transaction)."""
    core, _ = admin_core(db)
    seen: list[bool] = []

    def in_transaction(uow: UnitOfWork, *, actor: Actor) -> None:
        # A transaction that already read something has a snapshot: authenticate's read.
        seen.append(uow.session.execute(text(
            "SELECT count(*) > 0 FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND locktype = 'virtualxid'")).scalar_one())
        seen.append(uow.session.in_transaction())

    core.run(in_transaction)
    assert seen == [True, True]


def test_an_expired_login_is_renewed_on_the_way(db: Database, clock) -> None:
    core, store = admin_core(db)
    before = store.load()
    clock.advance(timedelta(minutes=20))
    assert core.run(specialties.add, name="Dermatology").name == "Dermatology"
    after = store.load()
    assert before is not None and after is not None
    assert after.access_token != before.access_token  # rotated once
    assert core.whoami().email == ADMIN
    assert store.load() == after  # and not again


def test_nobody_logged_in_is_refused_and_anyone_runs_as_anonymous(db: Database) -> None:
    core = Core(db, StoredCredentials(db, MemoryStore()))
    with pytest.raises(AuthenticationError, match="you are not logged in"):
        core.run(specialties.add, name="Neurology")
    assert core.run_as_anyone(lambda uow, actor: actor.is_anonymous) is True
    assert "Neurology" not in names(db)


def test_a_disabled_account_is_refused_and_its_login_forgotten(db: Database) -> None:


    core, _ = admin_core(db)
    with db.unit_of_work() as uow:
        make_user(uow, email="rita@clinic.example", name="Rita", role=Role.RECEPTIONIST)
    desk_store = logged_in(db, "rita@clinic.example")
    desk = Core(db, StoredCredentials(db, desk_store, forget_on_failure=True))
    assert desk.whoami().email == "rita@clinic.example"
    core.run(accounts.set_staff_active, ref="rita@clinic.example", active=False,
             reason="left the clinic")
    with pytest.raises(AuthenticationError, match="session has ended"):
        desk.whoami()
    assert desk_store.load() is None
    # Anyone-use cases still run for her, as anonymous.
    assert desk.run_as_anyone(lambda uow, actor: actor.is_anonymous) is True


def test_a_fixed_token_is_not_renewed(db: Database, clock) -> None:
    with db.unit_of_work() as uow:
        make_user(uow, email=ADMIN, name="Ada Admin", role=Role.ADMIN)
    stored = logged_in(db, ADMIN).load()
    assert stored is not None
    core = Core(db, TokenCredentials(stored.access_token))
    assert core.whoami().email == ADMIN
    clock.advance(timedelta(minutes=20))
    with pytest.raises(AuthenticationError, match="expired"):
        core.whoami()


def test_an_action_made_of_use_cases_commits_once_so_a_late_refusal_undoes_it_all(
    db: Database,
) -> None:
    """Each use case ends with its own commit when called alone; through the boundary those
    only flush, and the action commits once: a refusal after the first part leaves nothing."""
    core, _ = admin_core(db)

    def add_two(uow: UnitOfWork, *, actor: Actor) -> None:
        specialties.add(uow, actor=actor, name="Cardiology")  # commits, alone
        specialties.add(uow, actor=actor, name="cardiology")  # the same slug: refused

    with pytest.raises(Exception, match=r"(?i)exists|taken|already"):
        core.run(add_two)
    assert "Cardiology" not in names(db)
    # Alone, the same use case commits as before.
    core.run(specialties.add, name="Cardiology")
    assert "Cardiology" in names(db)


def test_a_failed_login_through_the_boundary_is_still_counted(db: Database) -> None:
    """What must outlive the refusal that follows commits at once (`commit_now`)."""
    with db.unit_of_work() as uow:
        make_user(uow, email="pat@example.com", name="Pat")
    core = Core(db, TokenCredentials(None))
    with pytest.raises(AuthenticationError):
        core.run_open(auth.login, email="pat@example.com", password="wrong password 1")
    with db.unit_of_work() as uow:
        counted = uow.session.execute(text("SELECT count(*) FROM login_throttles")).scalar_one()
    assert counted >= 1
