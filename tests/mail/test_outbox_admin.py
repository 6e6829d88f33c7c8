"""`outbox list` / `outbox retry` in core: admin only, retry only failed rows, audited."""

from __future__ import annotations

import pytest

from doctorbook.core.base import audit
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.mail import admin
from tests.conftest import NOW, make_user
from tests.mail.conftest import queue, row
from tests.mail.test_file_provider import INVITE


@pytest.fixture
def people(db):
    with db.unit_of_work() as uow:
        boss = make_user(uow, email="boss@example.com", role=Role.ADMIN)
    with db.unit_of_work() as uow:
        pat = make_user(uow, email="pat@example.com")
    return boss, pat


def fail_row(db, oid: int, error: str = "HTTP 400 BAD REQUEST") -> None:
    from doctorbook.core.base.models import EmailOutbox

    with db.unit_of_work() as uow:
        r = uow.session.get(EmailOutbox, oid)
        assert r is not None
        r.status, r.attempts, r.last_error = "failed", 5, error
        uow.commit()


def test_admin_lists_newest_first_and_filters_by_status(db, people):
    boss, _ = people
    first, second = queue(db, 2)
    fail_row(db, first)
    with db.unit_of_work() as uow:
        everything = admin.list_messages(uow, actor=boss)
        failed = admin.list_messages(uow, actor=boss, status="FAILED")
        sent = admin.list_messages(uow, actor=boss, status="sent")
    assert [m.id for m in everything] == [second, first]
    assert [(m.id, m.status, m.attempts, m.last_error) for m in failed] == [
        (first, "failed", 5, "HTTP 400 BAD REQUEST")
    ]
    assert sent == []
    view = everything[0]
    assert (view.to, view.kind, view.next_attempt_at) == ("ann@example.com", "test", NOW)
    assert not hasattr(view, "text_body")  # bodies never leave the table through listings


def test_bad_status_is_a_validation_error(db, people):
    boss, _ = people
    with db.unit_of_work() as uow, pytest.raises(ValidationError, match="unknown status"):
        admin.list_messages(uow, actor=boss, status="lost")


def test_patients_and_anonymous_are_refused(db, people):
    _, pat = people
    [oid] = queue(db)
    fail_row(db, oid)
    with db.unit_of_work() as uow:
        with pytest.raises(PermissionDenied):
            admin.list_messages(uow, actor=pat)
        with pytest.raises(PermissionDenied):
            admin.retry(uow, actor=pat, outbox_id=oid)
        with pytest.raises(AuthenticationError):
            admin.list_messages(uow, actor=Actor.anonymous())
    assert row(db, oid).status == "failed"


def test_retry_requeues_a_failed_row_and_is_audited(db, people, clock):
    from datetime import timedelta

    boss, _ = people
    [oid] = queue(db)
    fail_row(db, oid)
    clock.advance(timedelta(hours=2))
    with db.unit_of_work() as uow:
        view = admin.retry(uow, actor=boss, outbox_id=oid)
    assert (view.status, view.attempts, view.next_attempt_at) == ("pending", 0, clock.now())
    r = row(db, oid)
    assert (r.status, r.attempts, r.next_attempt_at) == ("pending", 0, clock.now())
    with db.unit_of_work() as uow:
        [entry] = audit.list_entries(uow, actor=boss, action="outbox.retried")
    assert (entry.entity_kind, entry.entity_id, entry.actor_id) == (
        "email_outbox", str(oid), boss.user_id
    )
    assert entry.data["previous_attempts"] == 5


def test_retry_refuses_rows_that_are_not_failed_or_unknown(db, people):
    boss, _ = people
    [oid] = queue(db)
    with db.unit_of_work() as uow:
        with pytest.raises(Conflict, match="is pending, not failed"):
            admin.retry(uow, actor=boss, outbox_id=oid)
        with pytest.raises(NotFound):
            admin.retry(uow, actor=boss, outbox_id=999_999)


def test_a_failed_secret_row_cannot_be_retried_once_its_token_is_erased(
    db, people, httpserver, settings_for, dispatcher_for
):
    boss, _ = people
    [oid] = queue(db, template="doctor_invite", context=INVITE, contains_secret=True)
    httpserver.expect_request("/send").respond_with_data("", status=400)
    dispatcher_for(settings_for(email_provider="http",
                                email_http_url=httpserver.url_for("/send"))).run_once()
    r = row(db, oid)
    assert r.status == "failed" and "SECRET-TOKEN-123" not in (r.text_body + (r.html_body or ""))
    with db.unit_of_work() as uow, pytest.raises(PolicyViolation, match="invite"):
        admin.retry(uow, actor=boss, outbox_id=oid)
