"""Product events for metrics, written in the transaction of what causes them (ids only)."""

from __future__ import annotations

import uuid
from typing import Any

from doctorbook.core.db import UnitOfWork
from doctorbook.core.errors import ValidationError


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
    from typing import cast

    from sqlalchemy import Table, insert

    from doctorbook.core.models import Event

    uow.session.execute(insert(cast("Table", Event.__table__)), {
        "at": uow.now(), "kind": kind, "search_id": search_id, "doctor_id": doctor_id,
        "appointment_id": appointment_id, "count": count, "data": data or {},
    })
