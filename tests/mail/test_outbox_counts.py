"""`count_by_status` in core: every status counted (zeros included), admin only."""

from __future__ import annotations

import pytest

from doctorbook.core.base.errors import AuthenticationError, PermissionDenied
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.mail import admin
from tests.conftest import make_user
from tests.mail.conftest import queue


@pytest.fixture
def people(db):
    with db.unit_of_work() as uow:
        boss = make_user(uow, email="boss@example.com", role=Role.ADMIN)
    with db.unit_of_work() as uow:
        desk = make_user(uow, email="desk@example.com", role=Role.RECEPTIONIST)
    with db.unit_of_work() as uow:
        pat = make_user(uow, email="pat@example.com")
    return boss, desk, pat


def set_status(db, ids: list[int], status: str) -> None:
    with db.unit_of_work() as uow:
        for oid in ids:
            r = uow.session.get(EmailOutbox, oid)
            assert r is not None
            r.status = status
        uow.commit()


def test_an_empty_outbox_counts_zero_in_every_status(db, people):
    boss, _, _ = people
    with db.unit_of_work() as uow:
        counts = admin.count_by_status(uow, actor=boss)
    assert counts == {"pending": 0, "sending": 0, "sent": 0, "failed": 0, "cancelled": 0}
    assert list(counts) == list(admin.STATUSES)  # always in the same order


def test_counts_follow_the_statuses(db, people):
    boss, _, _ = people
    ids = queue(db, 7)
    set_status(db, ids[:3], "sent")
    set_status(db, ids[3:5], "failed")
    set_status(db, ids[5:6], "cancelled")
    with db.unit_of_work() as uow:
        counts = admin.count_by_status(uow, actor=boss)
        listed = admin.list_messages(uow, actor=boss, status="failed")
    assert counts == {"pending": 1, "sending": 0, "sent": 3, "failed": 2, "cancelled": 1}
    assert len(listed) == counts["failed"]


def test_only_admins_may_count(db, people):
    _, desk, pat = people
    queue(db)
    with db.unit_of_work() as uow:
        for who in (desk, pat):
            with pytest.raises(PermissionDenied):
                admin.count_by_status(uow, actor=who)
        with pytest.raises(AuthenticationError):
            admin.count_by_status(uow, actor=Actor.anonymous())
