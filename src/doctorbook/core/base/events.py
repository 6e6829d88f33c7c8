"""Product events for metrics, written in the transaction of what causes them (ids only).

This module is the only writer of `events`: `record` (one row), `record_many` (a batch, one
round trip) and `entries`, the `INSERT ... SELECT` a combined statement embeds (the booking
claim). All fill the same columns, and the data passes the audit log's secret scrub.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert

from doctorbook.core.base.audit import columns_select, insert_from, json_object, scrub
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import Event

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Insert, Select


def parse_search_id(value: str | uuid.UUID | None) -> uuid.UUID | None:
    """A search id handed back by a client (CLI flag, TUI state); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(f"not a search id: {value!r}") from None


def row(
    kind: str,
    *,
    at: datetime,
    search_id: uuid.UUID | None = None,
    doctor_id: int | None = None,
    appointment_id: int | None = None,
    count: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One event's column values: what `record` and `record_many` insert."""
    return {"at": at, "kind": kind, "search_id": search_id, "doctor_id": doctor_id,
            "appointment_id": appointment_id, "count": count, "data": scrub(data)}


def record(
    uow: UnitOfWork,
    kind: str,
    *,
    search_id: uuid.UUID | None = None,
    doctor_id: int | None = None,
    appointment_id: int | None = None,
    count: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """One event row in the caller's transaction (a plain INSERT, no ORM bookkeeping)."""
    uow.session.execute(insert(_table()), row(
        kind, at=uow.now(), search_id=search_id, doctor_id=doctor_id,
        appointment_id=appointment_id, count=count, data=data,
    ))


def record_many(uow: UnitOfWork, rows: Iterable[Mapping[str, Any]]) -> None:
    """The events `row` made, in the caller's transaction (one executemany; none: nothing)."""
    batch = list(rows)
    if batch:
        uow.session.execute(insert(_table()), batch)


def entry(
    kind: str,
    *,
    at: ColumnElement[datetime],
    search_id: ColumnElement[uuid.UUID | None] | None = None,
    doctor_id: ColumnElement[int] | None = None,
    appointment_id: ColumnElement[int] | None = None,
    count: ColumnElement[int] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Select[Any]:
    """One event as a `SELECT` of the `events` columns, for `entries`: the row `row`
    describes, with SQL expressions where only the statement knows the values; `data` maps
    keys to constants or expressions. Compile the statement with `literal_binds`."""
    return columns_select(_table(), {
        "at": at, "kind": kind, "search_id": search_id, "doctor_id": doctor_id,
        "appointment_id": appointment_id, "count": count, "data": json_object(data),
    })


def entries(select: Select[Any]) -> Insert:
    """`INSERT INTO events ... SELECT` of an `entry` select, to embed in one statement."""
    return insert_from(_table(), select)


def _table() -> Table:
    return cast(Table, Event.__table__)
