"""Admins watching the outbox: list messages by status, put a failed one back in the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from doctorbook.core.base import audit, live
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict, NotFound, PolicyViolation, ValidationError
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.mail.message import BODY_REMOVED_FAILED

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


@dataclass(frozen=True)
class OutboxView:
    """One outbox row without its bodies (they may carry a token, and nobody lists them)."""

    id: int
    kind: str
    to: str
    to_name: str | None
    subject: str
    status: str
    attempts: int
    max_attempts: int | None
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    provider_message_id: str | None
    entity_kind: str | None
    entity_id: str | None


def _view(row: EmailOutbox) -> OutboxView:
    return OutboxView(
        id=row.id, kind=row.kind, to=row.to_address, to_name=row.to_name,
        # Rendered from the facts for rows queued as facts (see EmailOutbox.subject).
        subject=row.subject,
        status=row.status, attempts=row.attempts, max_attempts=row.max_attempts,
        next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        created_at=row.created_at, sent_at=row.sent_at,
        provider_message_id=row.provider_message_id, entity_kind=row.entity_kind,
        entity_id=row.entity_id,
    )


def parse_status(value: str | None) -> str | None:
    if value is None:
        return None
    status = value.strip().lower()
    if status not in STATUSES:
        raise ValidationError(
            f"unknown status {value!r}: choose one of {', '.join(STATUSES)}"
        )
    return status


def list_messages(
    uow: UnitOfWork, *, actor: Actor, status: str | None = None, limit: int = 100
) -> list[OutboxView]:
    """The newest messages first, optionally of one status."""
    require(actor, Permission.OUTBOX_MANAGE)
    wanted = parse_status(status)
    if limit < 1:
        raise ValidationError("the limit must be at least 1")
    stmt = select(EmailOutbox).order_by(EmailOutbox.id.desc()).limit(limit)
    if wanted is not None:
        stmt = stmt.where(EmailOutbox.status == wanted)
    return [_view(row) for row in uow.session.scalars(stmt)]


def count_by_status(uow: UnitOfWork, *, actor: Actor) -> dict[str, int]:
    """How many messages the outbox holds in each status, every status present (0 if none)."""
    require(actor, Permission.OUTBOX_MANAGE)
    counts = dict.fromkeys(STATUSES, 0)
    stmt = select(EmailOutbox.status, func.count()).group_by(EmailOutbox.status)
    for status, count in uow.session.execute(stmt):
        counts[status] = count
    return counts


def get_message(uow: UnitOfWork, *, actor: Actor, outbox_id: int) -> OutboxView:
    require(actor, Permission.OUTBOX_MANAGE)
    row = uow.session.get(EmailOutbox, outbox_id)
    if row is None:
        raise NotFound(f"no e-mail with id {outbox_id} in the outbox")
    return _view(row)


def retry(uow: UnitOfWork, *, actor: Actor, outbox_id: int) -> OutboxView:
    """Queue a failed message again: attempts start over and it is due at once. Audited."""
    require(actor, Permission.OUTBOX_MANAGE)
    # Locked, so a dispatcher can't be changing it while we decide.
    row = uow.session.get(EmailOutbox, outbox_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no e-mail with id {outbox_id} in the outbox")
    if row.status != "failed":
        raise Conflict(
            f"e-mail {outbox_id} is {row.status}, not failed; only failed e-mails can be retried"
        )
    if row.contains_secret and row.text_body == BODY_REMOVED_FAILED:
        raise PolicyViolation(
            f"e-mail {outbox_id} carried a one-time token that was erased when it failed; "
            "issue a new one (for an invite: invite the doctor again)"
        )
    now = uow.now()
    previous = {"attempts": row.attempts, "last_error": row.last_error}
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = now
    row.lease_until = None
    row.updated_at = now
    audit.record(
        uow, actor=actor, action="outbox.retried", entity_kind="email_outbox",
        entity_id=outbox_id,
        data={"kind": row.kind, "to": row.to_address, "previous_attempts": previous["attempts"],
              "previous_error": previous["last_error"]},
    )
    uow.session.flush()
    view = _view(row)
    uow.changed(live.OUTBOX, outbox_id)
    uow.commit()
    return view
