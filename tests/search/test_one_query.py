"""One statement per search whatever the number of doctors, reading the open-slots index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, text

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.booking import search
from tests.conftest import NOW
from tests.search.conftest import make_visible_doctor


@contextmanager
def statements(uow: UnitOfWork) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement the session's connection sends while the block runs."""
    conn = uow.session.connection()
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        seen.append((sql, params))

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", record)


def _doctors_with_slots(uow: UnitOfWork, admin: Any, first: int, count: int) -> None:
    for n in range(first, first + count):
        doc = make_visible_doctor(uow, admin, f"dr{n}@example.com", name=f"Dr {n:02d}",
                                  specialty="Cardiology" if n % 2 else "Dermatology",
                                  lead_minutes=0)
        # Twenty 30-minute slots a day for 20 days, all in one statement.
        uow.session.execute(text("""
            INSERT INTO availability_slots (doctor_id, starts_at, ends_at, status)
            SELECT :doctor, t, t + interval '30 minutes',
                   CASE WHEN random() < 0.3 THEN 'booked' ELSE 'open' END
            FROM generate_series(0, 19) AS d, generate_series(0, 19) AS h,
                 LATERAL (SELECT :start + d * interval '1 day' + h * interval '30 minutes') AS x(t)
        """), {"doctor": doc.user_id, "now": NOW, "start": NOW + timedelta(hours=n)})
    uow.commit()


def test_one_statement_for_three_or_ten_doctors(uow, admin):
    _doctors_with_slots(uow, admin, 1, 3)
    uow.session.execute(text("SELECT 1"))  # the savepoint is open before counting
    with statements(uow) as seen:
        results = search.search(uow, date=date(2026, 11, 25))
    assert len(results) == 3 and all(len(r.next_slots) == 3 for r in results)
    assert len(seen) == 1, seen

    _doctors_with_slots(uow, admin, 4, 7)
    uow.session.execute(text("SELECT 1"))
    for kwargs in ({}, {"date": date(2026, 11, 25)}, {"specialty": "cardiology", "slots": 10},
                   {"city": "berlin", "name": "dr"}):
        with statements(uow) as seen:
            results = search.search(uow, **kwargs)
        assert results and all(r.next_slots for r in results)
        assert len(seen) == 1, (kwargs, seen)
    assert len(search.search(uow)) == 10


def test_the_plan_reads_the_partial_index_of_open_slots(uow, admin):
    """A few thousand slots (4,000 here): each doctor's next slots come from an index scan of
    ix_availability_slots_open, stopped by the LIMIT, never a scan of the whole table."""
    _doctors_with_slots(uow, admin, 1, 10)
    uow.session.execute(text("ANALYZE availability_slots"))
    uow.session.execute(text("SELECT 1"))
    with statements(uow) as seen:
        search.search(uow, specialty="Cardiology", date=date(2026, 11, 26))
    ((sql, params),) = seen
    conn = uow.session.connection()
    plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + sql, params))
    assert "ix_availability_slots_open" in plan, plan
    assert "Seq Scan on availability_slots" not in plan, plan
