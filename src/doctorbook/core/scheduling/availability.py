"""Open slots patients may still book: the lead time, horizon and per-clinic dates, in SQL.

Search asks for "the next N open slots of every matching doctor" in one statement: a LATERAL
subquery per doctor reads `ix_availability_slots_open` (doctor_id, starts_at) WHERE status =
'open', so each doctor costs one short index range scan that stops after N rows. A doctor's
profile asks for one week of one doctor's slots, which reads the same index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, cast, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import AvailabilitySlot, Doctor

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.sql.selectable import LateralFromClause

    from doctorbook.core.doctors.doctors import DoctorProfile

#: How far ahead patients may look and book, from now (`slots generate` fills the same 60 days).
HORIZON = timedelta(days=60)
#: Next slots per doctor in search results: 3 unless asked, never more than 10.
DEFAULT_NEXT_SLOTS = 3
MAX_NEXT_SLOTS = 10
#: A profile lists one week of open slots.
WEEK_DAYS = 7


@dataclass(frozen=True)
class SlotRef:
    """An open slot; `starts_at` is aware and in the clinic's timezone (its UTC offset shows)."""

    slot_id: int
    starts_at: datetime


@dataclass(frozen=True)
class DoctorSlots:
    """One doctor's open slots for the local days first..first+days-1 (clinic time)."""

    timezone: str
    first_day: date
    days: int
    slots: tuple[SlotRef, ...]

    def by_day(self) -> list[tuple[date, tuple[SlotRef, ...]]]:
        """Each local day of the range with its slots (a day without slots comes out empty)."""
        grouped: dict[date, list[SlotRef]] = {
            self.first_day + timedelta(days=i): [] for i in range(self.days)
        }
        for slot in self.slots:
            grouped.setdefault(slot.starts_at.date(), []).append(slot)
        return [(day, tuple(slots)) for day, slots in grouped.items()]


def check_slot_count(slots: int) -> int:
    """How many next slots to list per doctor: 0 to MAX_NEXT_SLOTS."""
    if isinstance(slots, bool) or not isinstance(slots, int) or not 0 <= slots <= MAX_NEXT_SLOTS:
        raise ValidationError(f"slots must be from 0 to {MAX_NEXT_SLOTS}")
    return slots


def _is_open() -> ColumnElement[bool]:
    """`status = 'open'` written as a literal, never a bind parameter.

    The partial index's predicate is `status = 'open'`; a parameter would stop the planner
    from matching it once psycopg switches to a prepared (generic) plan after a few runs.
    """
    return AvailabilitySlot.status == literal_column("'open'")


def next_slots_lateral(now: datetime, on_or_after: date | None, count: int) -> LateralFromClause:
    """A LATERAL subquery, correlated to `Doctor`, with that doctor's next `count` open slots.

    Columns: `ids` and `starts` (arrays in start order) and `first_start` (NULL: none).
    A slot qualifies when it starts no earlier than now + the doctor's lead time, no earlier
    than local midnight of `on_or_after` in the doctor's own timezone, and before the horizon.
    """
    slot = AvailabilitySlot
    earliest: ColumnElement[datetime] = literal(now, DateTime(timezone=True)) + (
        Doctor.lead_minutes * literal_column("interval '1 minute'"))
    if on_or_after is not None:
        # timezone(zone, timestamp) reads the wall-clock midnight in that zone: each clinic's
        # own "start of that date", so one --date means different UTC instants per clinic.
        local_midnight = func.timezone(
            Doctor.timezone, cast(literal(on_or_after, Date), DateTime(timezone=False)))
        earliest = func.greatest(earliest, local_midnight)
    nearest = (
        select(slot.id, slot.starts_at)
        .where(
            slot.doctor_id == Doctor.user_id,
            _is_open(),
            slot.starts_at >= earliest,
            slot.starts_at < literal(now + HORIZON, DateTime(timezone=True)),
        )
        .order_by(slot.starts_at)
        .limit(count)
        .correlate(Doctor)
        .subquery("nearest")
    )
    return (
        select(
            func.array_agg(aggregate_order_by(nearest.c.id, nearest.c.starts_at)).label("ids"),
            func.array_agg(
                aggregate_order_by(nearest.c.starts_at, nearest.c.starts_at)).label("starts"),
            func.min(nearest.c.starts_at).label("first_start"),
        )
        .lateral("open_slots")
    )


def slot_refs(
    ids: list[int] | None, starts: list[datetime] | None, zone: str
) -> tuple[SlotRef, ...]:
    """Aggregated arrays -> SlotRefs in the clinic's timezone."""
    if not ids or not starts:
        return ()
    tz = ZoneInfo(zone)
    return tuple(SlotRef(i, s.astimezone(tz)) for i, s in zip(ids, starts, strict=True))


def local_midnight(day: date, zone: str) -> datetime:
    """The instant a local date starts in a timezone (the same rule PostgreSQL applies)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def doctor_week(
    uow: UnitOfWork, *, profile: DoctorProfile, first_day: date | None = None,
    days: int = WEEK_DAYS,
) -> DoctorSlots:
    """A doctor's open slots for `days` local days from `first_day` (default: today there).

    Takes the profile `doctors.show_doctor` returned, so whoever may see the profile may see
    its slots and nobody else. Lead time and horizon apply as in search.
    """
    if not 1 <= days <= 31:
        raise ValidationError("days must be from 1 to 31")
    now = uow.now()
    if not profile.timezone:
        # No timezone yet means no slots could be generated: an empty week in UTC.
        return DoctorSlots("UTC", first_day or now.date(), days, ())
    zone = profile.timezone
    start_day = first_day or now.astimezone(ZoneInfo(zone)).date()
    since = max(local_midnight(start_day, zone), now + timedelta(minutes=profile.lead_minutes))
    until = min(local_midnight(start_day + timedelta(days=days), zone), now + HORIZON)
    slot = AvailabilitySlot
    rows = uow.session.execute(
        select(slot.id, slot.starts_at)
        .where(slot.doctor_id == profile.doctor_id, _is_open(),
               slot.starts_at >= since, slot.starts_at < until)
        .order_by(slot.starts_at)
    ).all()
    return DoctorSlots(zone, start_day, days, slot_refs([r[0] for r in rows],
                                                        [r[1] for r in rows], zone))
