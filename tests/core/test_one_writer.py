"""One writer each for audit entries and product events (issue 12, part 4).

`core/base/audit.py` and `core/base/events.py` are the only code that inserts into `audit_log` and
`events`; the booking's one statement builds its entries with them, so they have the same
columns, the same shape and the same secret scrub as `audit.record` / `events.record`.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from doctorbook.core.base import audit, events
from doctorbook.core.base.account_models import AuditEntry
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.models import Event
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking
from tests.booking.conftest import IN_1_HOUR, TOMORROW_10, Clinic, add_slot, clinic
from tests.conftest import NOW

__all__ = ["clinic"]

SRC = Path(__file__).resolve().parents[2] / "src" / "doctorbook"
WRITERS = {SRC / "core" / "base" / "audit.py", SRC / "core" / "base" / "events.py"}

# Every way this code base could write a row of either table: raw SQL, a Core insert of the
# model or its table, an ORM object of the model, a lightweight `table("...")`.
RAW_WRITES = [
    re.compile(r"insert\s+into\s+(audit_log|events)\b", re.IGNORECASE),
    re.compile(r"\binsert\(\s*(AuditEntry|Event)\b"),
    re.compile(r"\b(AuditEntry|Event)\.__table__"),
    re.compile(r"(?<!class )(?<![\w.])AuditEntry\s*\("),
    re.compile(r"\bmodels\.Event\s*\("),
    re.compile(r"\btable\(\s*[\"'](audit_log|events)[\"']"),
]
# `Event(` alone is also threading.Event: it counts only where the model is imported.
MODEL_EVENT = re.compile(r"from doctorbook\.core\.models import[^\n]*\bEvent\b|"
                         r"from doctorbook\.core\.models import \([^)]*\bEvent\b")
EVENT_CALL = re.compile(r"(?<!class )(?<![\w.])Event\s*\(")


def _writes(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = [f"{path.relative_to(SRC)}: {m.group(0)!r}"
             for pattern in RAW_WRITES for m in pattern.finditer(text)]
    if MODEL_EVENT.search(text):
        found += [f"{path.relative_to(SRC)}: {m.group(0)!r}" for m in EVENT_CALL.finditer(text)]
    return found


def _sources() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.parts]


def test_nothing_but_audit_and_events_writes_their_tables() -> None:
    others = [hit for path in _sources() if path not in WRITERS for hit in _writes(path)]
    assert others == []


def test_the_scan_sees_the_two_writers() -> None:
    """The patterns do match a real writer: the test above can fail."""
    for writer in WRITERS:
        assert _writes(writer), writer
    assert _writes(Path(booking.__file__)) == []


def _columns(entry: AuditEntry | Event) -> dict[str, Any]:
    return {c.name: getattr(entry, c.key) for c in entry.__table__.columns if c.name != "id"}


def _audit_rows(uow: UnitOfWork, entity_id: int) -> dict[str, dict[str, Any]]:
    rows = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_kind == "appointment", AuditEntry.entity_id == str(entity_id)))
    return {row.action: _columns(row) for row in rows}


def _as_recorded(uow: UnitOfWork, **inputs: Any) -> dict[str, Any]:
    """What `audit.record` writes for `inputs` (in a savepoint rolled back after)."""
    with uow.session.begin_nested() as nested:
        audit.record(uow, **inputs)
        newest = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert newest is not None
        uow.session.expunge(newest)
        nested.rollback()
    return _columns(newest)


def test_a_bookings_audit_entry_is_what_audit_record_writes(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    view = booking.book(uow, actor=clinic.alice, slot_id=slot, reason="check-up")

    written = _audit_rows(uow, view.id)
    assert list(written) == ["appointment.booked"]
    assert written["appointment.booked"] == _as_recorded(
        uow, actor=clinic.alice, action="appointment.booked", entity_kind="appointment",
        entity_id=view.id,
        data={"from": None, "to": "confirmed", "slot_id": slot,
              "patient_id": clinic.alice.user_id, "policy_override": False,
              "on_behalf": False},
    )


def test_an_overridden_booking_on_behalf_writes_both_entries_as_audit_record_would(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    soon = add_slot(uow, clinic.doctor.user_id, IN_1_HOUR)
    view = booking.book(uow, actor=clinic.desk, slot_id=soon, patient_email="bob@example.com",
                        override_policy=True)

    written = _audit_rows(uow, view.id)
    common = {"actor": clinic.desk, "entity_kind": "appointment", "entity_id": view.id}
    assert written == {
        "appointment.booked": _as_recorded(
            uow, **common, action="appointment.booked",
            data={"from": None, "to": "confirmed", "slot_id": soon,
                  "patient_id": clinic.bob.user_id, "policy_override": True,
                  "on_behalf": True}),
        "appointment.policy_overridden": _as_recorded(
            uow, **common, action="appointment.policy_overridden",
            data={"rule": "lead_time", "lead_minutes": 120, "minutes_ahead": 60}),
    }


def test_the_booking_statement_scrubs_secrets_like_audit_record(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    """The statement's extra data passes the same scrub (no caller passes secrets today:
    this holds the path to it)."""
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    view, _ = booking._create(
        uow, actor=clinic.alice, slot_id=slot, patient_id=clinic.alice.user_id, reason=None,
        override_policy=False,
        audit_extra={"on_behalf": False, "password": "hunter2", "token": "t0k3n"},
    )
    data = _audit_rows(uow, view.id)["appointment.booked"]["data"]
    assert data["on_behalf"] is False
    assert {"password", "token"}.isdisjoint(data)


def test_entry_builders_scrub_their_data_keys() -> None:
    from sqlalchemy import literal_column

    now, who = literal_column(":now"), literal_column(":actor")
    built = audit.entry(at=now, actor_id=who, actor_role=who, action="x", entity_kind=None,
                        entity_id=who, data={"kept": 1, "password": who, "access_token": 2})
    sql = str(built.compile(compile_kwargs={"literal_binds": True}))
    assert "'kept'" in sql and "password" not in sql and "access_token" not in sql
    counted = events.entry("booking_made", at=now, data={"n": 1, "token": who})
    sql = str(counted.compile(compile_kwargs={"literal_binds": True}))
    assert "'n'" in sql and "token" not in sql
    assert events.row("email_sent", at=NOW, data={"refresh_token": "x"})["data"] == {}


def test_a_bookings_event_is_what_events_record_writes(uow: UnitOfWork, clinic: Clinic) -> None:
    search = uuid.uuid4()
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    view = booking.book(uow, actor=clinic.alice, slot_id=slot, search_id=search)

    [made] = uow.session.scalars(select(Event).where(Event.appointment_id == view.id))
    events.record(uow, "booking_made", search_id=search, doctor_id=view.doctor_id,
                  appointment_id=view.id)
    recorded = uow.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert recorded is not None and recorded.id != made.id
    assert _columns(made) == _columns(recorded)


def test_the_claim_appointment_audit_and_event_are_one_statement(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    statements: list[str] = []
    engine = uow.session.get_bind()

    def count(*args: object) -> None:
        statement = str(args[2])
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        booking._create(uow, actor=clinic.alice, slot_id=slot, patient_id=clinic.alice.user_id,
                        reason=None, override_policy=False, audit_extra={})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    [statement] = statements
    for table in ("availability_slots", "appointments", "audit_log", "events"):
        assert re.search(rf"(UPDATE|INSERT INTO) {table}\b", statement), table


def test_audit_row_and_record_agree(uow: UnitOfWork, clinic: Clinic) -> None:
    """`audit.row` is the one description of an entry: `record` writes exactly it."""
    inputs: dict[str, Any] = {
        "actor": clinic.desk, "action": "test.row", "entity_kind": "thing", "entity_id": 7,
        "data": {"a": [1, "b"], "token": "x"},
    }
    assert _as_recorded(uow, **inputs) == audit.row(at=uow.now(), **inputs)


def test_an_anonymous_actor_has_no_role() -> None:
    assert audit.row(at=NOW, actor=Actor.anonymous(), action="x")["actor_role"] is None


def test_the_booking_statement_stays_within_psycopgs_parse_cache() -> None:
    """psycopg parses a statement once and caches it only up to 4096 characters; a longer
    booking statement would be parsed again on every booking (+50 us of client CPU each)."""
    from psycopg import _queries
    from sqlalchemy.dialects.postgresql import psycopg

    sent = str(booking._book_statement().compile(dialect=psycopg.dialect()))
    assert len(sent) <= _queries.MAX_CACHED_STATEMENT_LENGTH
