"""The append-only audit log: written in the same transaction as the change it records.

This module is the only writer of `audit_log`. `record` inserts one entry for a use case;
`entries` builds the `INSERT ... SELECT` a single combined statement uses when the entry's
values are only known inside that statement (the booking claim: the new appointment's id).
Both fill the same columns of the same table and both drop secret keys from the data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import ColumnElement, Table, Text, func, insert, literal, null, select, union_all
from sqlalchemy import cast as sql_cast

from doctorbook.core.base.account_models import AuditEntry, User
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor, Permission, require

if TYPE_CHECKING:
    from sqlalchemy import Insert, Select

# Keys that must never reach audit data, whatever a caller passes.
_SECRET_KEYS = {"password", "token", "access_token", "refresh_token", "password_hash"}

_V = TypeVar("_V")


def scrub(data: Mapping[str, _V] | None) -> dict[str, _V]:
    """`data` without its secret keys: every audit entry's data passes through here."""
    return {k: v for k, v in (data or {}).items() if k not in _SECRET_KEYS}


def role_of(actor: Actor) -> str | None:
    """The `actor_role` an entry records for `actor`."""
    return str(actor.role) if actor.role else None


def _table() -> Table:
    return cast(Table, AuditEntry.__table__)


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
        data = self.data
        keys = [k for k in ("from", "to") if k in data] + sorted(set(data) - {"from", "to"})
        return " ".join(
            f"{key}={data[key] if isinstance(data[key], str) else json.dumps(data[key])}"
            for key in keys
        )


def row(
    *,
    at: datetime,
    actor: Actor,
    action: str,
    entity_kind: str | None = None,
    entity_id: str | int | None = None,
    data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry's column values, its data scrubbed: what `record` inserts."""
    return {
        "at": at,
        "actor_id": actor.user_id,
        "actor_role": role_of(actor),
        "action": action,
        "entity_kind": entity_kind,
        "entity_id": None if entity_id is None else str(entity_id),
        "data": scrub(data),
    }


def record(
    uow: UnitOfWork,
    *,
    actor: Actor,
    action: str,
    entity_kind: str | None = None,
    entity_id: str | int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    # A plain INSERT now, in the caller's transaction: no ORM object to track and flush.
    uow.session.execute(insert(_table()), row(
        at=uow.now(), actor=actor, action=action, entity_kind=entity_kind,
        entity_id=entity_id, data=data,
    ))


def bound_data(data: Mapping[str, Any] | None) -> str:
    """The JSON text to bind for `entry(..., more=...)`: scrubbed like every entry's data."""
    return json.dumps(scrub(data))


def entry(
    *,
    at: ColumnElement[datetime],
    actor_id: ColumnElement[int],
    actor_role: ColumnElement[str],
    action: str,
    entity_kind: str | None,
    entity_id: ColumnElement[Any],
    data: Mapping[str, Any],
    more: ColumnElement[Any] | None = None,
) -> Select[Any]:
    """One entry as a `SELECT` of `audit_log`'s columns, for `entries`: the row `row`
    describes, with SQL expressions (a CTE's columns, parameters) where only the statement
    knows the values. `data` maps keys to constants or expressions and is scrubbed here;
    `more` is a JSONB expression merged into it, bound from `bound_data` (scrubbed too).

    Constants are bound as literals: compile the statement with `literal_binds`.
    """
    payload = json_object(data)
    if more is not None:
        payload = payload.op("||")(more)
    values = {
        "at": at, "actor_id": actor_id, "actor_role": actor_role, "action": action,
        "entity_kind": entity_kind, "entity_id": sql_cast(entity_id, Text), "data": payload,
    }
    return columns_select(_table(), values)


def as_sql(value: Any, type_: Any = None) -> ColumnElement[Any]:
    """A SQL expression as it is, None as NULL, any other value as a literal of `type_`."""
    if isinstance(value, ColumnElement):
        return value
    return null() if value is None else literal(value, type_)


def json_object(data: Mapping[str, Any] | None) -> ColumnElement[Any]:
    """`jsonb_build_object(...)` of `data` (constants or SQL expressions), scrubbed."""
    pairs: list[ColumnElement[Any]] = []
    for key, value in scrub(data).items():
        pairs += [literal(key, Text), as_sql(value)]
    return func.jsonb_build_object(*pairs)


def columns_select(table: Table, values: Mapping[str, Any]) -> Select[Any]:
    """`SELECT` of `values` (constants or expressions) labelled as `table`'s columns, in the
    table's order, each constant typed by its column: the source of an `INSERT ... SELECT`."""
    return select(*(as_sql(values[c.name], c.type).label(c.name)
                    for c in table.c if c.name in values))


def entries(*selects: Select[Any]) -> Insert:
    """`INSERT INTO audit_log ... SELECT` of `entry` selects (`UNION ALL`), to embed in one
    statement, e.g. as a CTE."""
    return insert_from(_table(), *selects)


def insert_from(table: Table, *selects: Select[Any]) -> Insert:
    """`INSERT INTO table ... SELECT` of `columns_select` selects, `UNION ALL` if several."""
    source = selects[0] if len(selects) == 1 else union_all(*selects)
    return insert(table).from_select(list(selects[0].selected_columns.keys()), source)


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
