"""Slots stay narrow (bytes per slot) and a doctor's window is still read through an index."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from doctorbook.core.base.rbac import Actor
from doctorbook.core.scheduling import dayview, slots
from tests.conftest import NOW
from tests.search.test_one_query import _doctors_with_slots, statements


def _plan(uow, sql: str, params) -> str:  # type: ignore[no-untyped-def]
    conn = uow.session.connection()
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + sql, params))


def _first_doctor(uow) -> int:  # type: ignore[no-untyped-def]
    return int(uow.session.scalar(text("SELECT min(doctor_id) FROM availability_slots")))


def test_a_slot_takes_at_most_250_bytes_with_its_indexes(uow, admin):
    """Table and every index over the rows: a network's 14 M slots fit in ~3.5 GB. Measured on
    a fresh copy of the table's definition (every index and constraint, LIKE ... INCLUDING
    ALL), so space other tests left behind in the shared one doesn't count."""
    _doctors_with_slots(uow, admin, 1, 10)
    uow.session.execute(text(
        "CREATE TEMP TABLE slot_copy (LIKE availability_slots INCLUDING ALL) ON COMMIT DROP"))
    uow.session.execute(text(
        "INSERT INTO slot_copy SELECT * FROM availability_slots ORDER BY doctor_id, starts_at"))
    indexes = uow.session.scalar(text(
        "SELECT count(*) FROM pg_index WHERE indrelid = 'slot_copy'::regclass"))
    assert indexes == 3  # the key, the no-overlap constraint's and the open slots'
    rows, total = uow.session.execute(text(
        "SELECT count(*), pg_total_relation_size('slot_copy') FROM slot_copy")).one()
    assert rows == 4000
    assert total / rows <= 250, f"{total / rows:.0f} B per slot"


def test_the_day_view_reads_the_doctors_day_through_the_exclusion_index(uow, admin):
    """No unique (doctor_id, starts_at) index any more: the day's slots come from the GiST
    index of the no-overlap constraint, never from a scan of every slot."""
    _doctors_with_slots(uow, admin, 1, 10)
    uow.session.execute(text("ANALYZE availability_slots"))
    doctor = _first_doctor(uow)
    uow.session.execute(text("SELECT 1"))
    with statements(uow) as seen:
        day = dayview.day_slots(uow, actor=admin, doctor_id=doctor,
                                day=(NOW + timedelta(days=2)).date())
    assert len(day) == 20  # twenty slots that day, whatever their status
    plans = [_plan(uow, sql, params) for sql, params in seen
             if "availability_slots" in sql]
    assert plans and all("ex_availability_slots_no_overlap" in p for p in plans), plans
    assert not any("Seq Scan on availability_slots" in p for p in plans), plans


def test_pruning_reads_the_doctors_past_through_the_exclusion_index(uow, admin):
    _doctors_with_slots(uow, admin, 1, 10)
    uow.session.execute(text("ANALYZE availability_slots"))
    rows = uow.session.execute(text("EXPLAIN (COSTS OFF) " + slots._PRUNE_PAST), {
        "doctor": _first_doctor(uow), "now": NOW + timedelta(days=3)})
    plan = "\n".join(row[0] for row in rows)
    assert "ex_availability_slots_no_overlap" in plan, plan
    assert "Seq Scan on availability_slots" not in plan, plan


def test_a_second_slot_at_the_same_start_is_still_refused(uow, admin: Actor):
    """The unique constraint went; the exclusion constraint keeps its promise."""
    _doctors_with_slots(uow, admin, 1, 1)
    doctor = _first_doctor(uow)
    start = uow.session.scalar(text(
        "SELECT min(starts_at) FROM availability_slots WHERE doctor_id = :d"), {"d": doctor})
    for minutes in (30, 10, 60):
        inserted = uow.session.execute(text(
            "INSERT INTO availability_slots (doctor_id, starts_at, ends_at, status) "
            "VALUES (:d, :s, :s + make_interval(mins => :m), 'open') ON CONFLICT DO NOTHING"),
            {"d": doctor, "s": start, "m": minutes}).rowcount
        assert inserted == 0, minutes
    assert date(2026, 11, 24) <= start.date()
