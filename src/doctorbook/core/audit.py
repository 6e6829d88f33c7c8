"""The append-only audit log: written in the same transaction as the change it records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doctorbook.core.db import UnitOfWork
from doctorbook.core.rbac import Actor, Permission, require

# Keys that must never reach audit data, whatever a caller passes.
_SECRET_KEYS = {"password", "token", "access_token", "refresh_token", "password_hash"}


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor_id: int | None
    actor_role: str | None
    action: str
    entity_kind: str | None
    entity_id: str | None
    data: dict[str, Any]

    @property
    def data_text(self) -> str:
        """`from=pending to=confirmed slot_id=5`: from/to first, then the rest by name;
        strings bare, everything else as JSON (one line for tables)."""
        import json

        data = self.data
        keys = [k for k in ("from", "to") if k in data] + sorted(set(data) - {"from", "to"})
        return " ".join(
            f"{key}={data[key] if isinstance(data[key], str) else json.dumps(data[key])}"
            for key in keys
        )


def record(
    uow: UnitOfWork,
    *,
    actor: Actor,
    action: str,
    entity_kind: str | None = None,
    entity_id: str | int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    from typing import cast

    from sqlalchemy import Table, insert

    from doctorbook.core.account_models import AuditEntry

    clean = {k: v for k, v in (data or {}).items() if k not in _SECRET_KEYS}
    # A plain INSERT now, in the caller's transaction: no ORM object to track and flush.
    uow.session.execute(
        insert(cast("Table", AuditEntry.__table__)),
        {
            "at": uow.now(),
            "actor_id": actor.user_id,
            "actor_role": str(actor.role) if actor.role else None,
            "action": action,
            "entity_kind": entity_kind,
            "entity_id": None if entity_id is None else str(entity_id),
            "data": clean,
        },
    )


def list_entries(
    uow: UnitOfWork,
    *,
    actor: Actor,
    entity_kind: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor_email: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[AuditView]:
    """Newest first; `actor_email` (any case) is who acted, `since` an aware instant."""
    from sqlalchemy import select

    from doctorbook.core.account_models import AuditEntry, User

    require(actor, Permission.AUDIT_VIEW)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity_kind:
        stmt = stmt.where(AuditEntry.entity_kind == entity_kind)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_email:
        # E-mails are stored lower-cased, so the unique index answers this.
        who = select(User.id).where(User.email == actor_email.strip().lower())
        stmt = stmt.where(AuditEntry.actor_id.in_(who))
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    return [
        AuditView(
            id=e.id, at=e.at, actor_id=e.actor_id, actor_role=e.actor_role, action=e.action,
            entity_kind=e.entity_kind, entity_id=e.entity_id, data=dict(e.data),
        )
        for e in uow.session.scalars(stmt)
    ]
