"""Finding doctors: public search over complete, active profiles, with their next open slots.

The whole search is one SQL statement (no N+1): the visibility filters, the specialty names
(a correlated array_agg) and each doctor's next open slots (a LATERAL subquery on the partial
index of open slots, see `availability`) come back together, already sorted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Float, Numeric, and_, cast, exists, func, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from doctorbook.core.base import events
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import Doctor, DoctorSpecialty, Specialty, User
from doctorbook.core.base.rbac import Actor
from doctorbook.core.base.text import refused_character
from doctorbook.core.doctors import doctors, specialties
from doctorbook.core.doctors.doctors import DoctorProfile
from doctorbook.core.feedback import reviews
from doctorbook.core.feedback.reviews import Ratings
from doctorbook.core.scheduling import availability
from doctorbook.core.scheduling.availability import (
    DEFAULT_NEXT_SLOTS,
    HORIZON,
    DoctorSlots,
    SlotRef,
    check_slot_count,
    next_slots_lateral,
    slot_refs,
)

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select

__all__ = ["HORIZON", "DoctorPage", "SearchResult", "SlotRef", "doctor_page", "search"]


@dataclass(frozen=True)
class SearchResult:
    """One row; scripts rely on these keys (add freely, rename nothing)."""

    doctor_id: int
    name: str
    specialties: tuple[str, ...]
    clinic: str
    city: str
    price: Decimal
    currency: str
    rating: float | None
    review_count: int
    #: The next open slots, soonest first, in the clinic's timezone.
    next_slots: tuple[SlotRef, ...]
    #: The clinic's IANA timezone (next_slots are already in it).
    timezone: str


def _rating() -> ColumnElement[float]:
    """The doctor's average rating over visible reviews (NULL: none yet), the sort's second key.

    Reviews keep `doctors.review_count` and `rating_total` up to date, so this needs no join.
    """
    average = cast(Doctor.rating_total, Numeric) / func.nullif(Doctor.review_count, 0)
    return cast(func.round(average, 1), Float)


def search(
    uow: UnitOfWork,
    *,
    specialty: str | None = None,
    city: str | None = None,
    name: str | None = None,
    date: date | None = None,
    slots: int = DEFAULT_NEXT_SLOTS,
    limit: int = 50,
) -> list[SearchResult]:
    """Visible doctors (active, profile complete) matching every filter given.

    Each comes with up to `slots` next open slots that start on or after `date` (local
    midnight in the doctor's own timezone), no earlier than now + the doctor's lead time and
    before the horizon. With a `date`, doctors without such a slot are left out; without one,
    they are listed after the others with no slots. Sorted by the soonest slot, then rating,
    then name.
    """
    if not 1 <= limit <= 500:
        raise ValidationError("limit must be from 1 to 500")
    check_slot_count(slots)
    for label, value in (("specialty", specialty), ("city", city), ("name", name)):
        # Filters are not stored, but a NUL or a lone surrogate would fail in the driver
        # with a traceback; refused like stored text instead.
        if value is not None and refused_character(value.strip()) is not None:
            raise ValidationError(f"{label} must not contain control characters")
    stmt = _statement(
        uow, specialty=specialty, city=city, name=name, on_or_after=date,
        # At least one slot is read even for slots=0: the soonest one sorts and filters.
        slot_rows=max(slots, 1), limit=limit)
    rows = uow.session.execute(stmt).all()
    if not rows and specialty and specialty.strip():
        # Only now pay a second query: an unknown specialty is an error, not "no doctors".
        specialties.resolve(uow, [specialty])
    return [
        SearchResult(
            doctor_id=row.user_id, name=row.name, specialties=tuple(row.specialty_names or ()),
            clinic=row.clinic_name, city=row.city, price=row.price, currency=row.currency,
            rating=row.rating, review_count=row.review_count,
            next_slots=slot_refs(row.ids, row.starts, row.timezone)[:slots],
            timezone=row.timezone,
        )
        for row in rows
    ]


def visible_doctor() -> tuple[ColumnElement[bool], ...]:
    """Who search shows: an active doctor and account with a complete public profile (price,
    clinic, city, timezone, at least one specialty)."""
    return (
        Doctor.status == "active",
        User.is_active.is_(True),
        Doctor.price.is_not(None),
        Doctor.clinic_name.is_not(None),
        Doctor.city.is_not(None),
        Doctor.timezone.is_not(None),
        exists().where(DoctorSpecialty.doctor_id == Doctor.user_id),
    )


def _statement(
    uow: UnitOfWork, *, specialty: str | None, city: str | None, name: str | None,
    on_or_after: date | None, slot_rows: int, limit: int,
) -> Select[tuple[object, ...]]:
    open_slots = next_slots_lateral(uow.now(), on_or_after, slot_rows)
    specialty_names = (
        select(func.array_agg(aggregate_order_by(Specialty.name, Specialty.name)))
        .join(DoctorSpecialty, DoctorSpecialty.specialty_id == Specialty.id)
        .where(DoctorSpecialty.doctor_id == Doctor.user_id)
        .correlate(Doctor)
        .scalar_subquery()
    )
    rating = _rating().label("rating")
    stmt = (
        select(
            Doctor.user_id, User.name, Doctor.clinic_name, Doctor.city, Doctor.price,
            Doctor.currency, Doctor.timezone, specialty_names.label("specialty_names"),
            rating, Doctor.review_count.label("review_count"),
            open_slots.c.ids, open_slots.c.starts, open_slots.c.first_start,
        )
        .select_from(Doctor)
        .join(User, User.id == Doctor.user_id)
        .outerjoin(open_slots, true())
        .where(*visible_doctor())
        .order_by(open_slots.c.first_start.asc().nulls_last(), rating.desc().nulls_last(),
                  User.name, Doctor.user_id)
        .limit(limit)
    )
    if on_or_after is not None:
        # "Results show doctors with next available slots": none in range, not a result.
        stmt = stmt.where(open_slots.c.first_start.is_not(None))
    if specialty and specialty.strip():
        # Matched by slug inside this statement, not resolved first: one query per search.
        stmt = stmt.where(exists().where(and_(
            DoctorSpecialty.doctor_id == Doctor.user_id,
            DoctorSpecialty.specialty_id == Specialty.id,
            Specialty.slug == specialties.slugify(specialty),
        )))
    if city and city.strip():
        stmt = stmt.where(func.lower(Doctor.city) == " ".join(city.lower().split()))
    if name and name.strip():
        pattern = "%" + name.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        stmt = stmt.where(User.name.ilike(pattern + "%", escape="\\"))
    return stmt


def search_recorded(
    uow: UnitOfWork, **filters: Any
) -> tuple[uuid.UUID, list[SearchResult]]:
    """`search`, and the `search_shown` event (with the result count) written with it.

    The returned id goes with the results: opening a profile or booking from them passes it
    back, so metrics can follow a search to its click and its booking. Run on the read side
    (`Core.run_read`: the hot standby), the results are read there and the event is written
    on the primary just after (`write_on_primary`); on the primary, in the same transaction.
    """
    results = search(uow, **filters)
    search_id, count = uuid.uuid4(), len(results)
    uow.write_on_primary(
        lambda primary: events.record(primary, "search_shown", search_id=search_id, count=count))
    uow.commit()
    return search_id, results


@dataclass(frozen=True)
class DoctorPage:
    """What a doctor's public page shows, read together: the profile, one page of reviews and
    a week of open slots."""

    profile: DoctorProfile
    ratings: Ratings
    week: DoctorSlots


def doctor_page(
    uow: UnitOfWork, *, actor: Actor, doctor_id: int, search_id: str | uuid.UUID | None = None,
    page: int = 1, first_day: date | None = None,
) -> DoctorPage:
    """A doctor's page as `actor` may see it (`doctors.show_doctor` decides; opened from a
    search, the `result_opened` event is recorded with it), its `page` of reviews and the week
    of open slots from `first_day` (default: today in the clinic's timezone).

    Reads only (the event goes through `write_on_primary`), so it may run on the hot standby
    (`Core.run_read_as_anyone`): a slot taken a moment ago may still show open there, and the
    booking, on the primary, refuses it."""
    profile = doctors.show_doctor(uow, actor=actor, doctor_id=doctor_id, search_id=search_id)
    ratings = reviews.ratings(uow, doctor_id=doctor_id, page=page)
    week = availability.doctor_week(uow, profile=profile, first_day=first_day)
    return DoctorPage(profile, ratings, week)
