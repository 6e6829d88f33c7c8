"""The desk's "earliest for a specialty": each of its doctors' first bookable slot, soonest first.

One statement, like search: the visible doctors with the specialty, each with its first open
slot through a LATERAL subquery on the partial index of open slots (one short index range scan
per doctor, stopping at one row); doctors with no such slot are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, literal, select

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import ValidationError
from doctorbook.core.base.models import (
    Doctor,
    DoctorSpecialty,
    User,
)
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.booking.search import visible_doctor
from doctorbook.core.doctors import specialties
from doctorbook.core.scheduling.availability import HORIZON
from doctorbook.core.scheduling.dayview import first_open_slot

#: At most this many doctors are listed.
MAX_LIMIT = 100


@dataclass(frozen=True)
class EarliestSlot:
    """One doctor's first bookable slot; scripts rely on these keys (add freely, rename none)."""

    doctor_id: int
    doctor_name: str
    clinic: str
    city: str
    #: The clinic's IANA timezone; `starts_at` and `ends_at` are aware, in it.
    timezone: str
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    #: Inside the doctor's lead time: the desk books it by overriding the policy.
    short_notice: bool


def earliest_for_specialty(
    uow: UnitOfWork, *, actor: Actor, specialty: str, limit: int = 10,
) -> list[EarliestSlot]:
    """The first bookable slot of each visible doctor with `specialty` (any case), soonest
    first, then by name; at most `limit` doctors, those without a slot before the horizon left
    out.

    Bookable as on the day view (`dayview.next_open_slot`): open, not started, held by no live
    appointment; a slot inside the lead time counts, marked `short_notice`. For the desk (and
    admins), who see every doctor's day; patients have search, which keeps the lead time.
    An unknown specialty is NotFound, naming the known ones.
    """
    require(actor, Permission.DAYVIEW_ANY)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be from 1 to {MAX_LIMIT}")
    if not isinstance(specialty, str) or not specialty.strip():
        raise ValidationError("name a specialty")
    [specialty_id] = specialties.resolve(uow, [specialty])
    now = uow.now()
    first = first_open_slot(now, now + HORIZON)
    rows = uow.session.execute(
        select(Doctor.user_id, User.name, Doctor.clinic_name, Doctor.city, Doctor.timezone,
               Doctor.lead_minutes, first.c.id, first.c.starts_at, first.c.ends_at)
        .select_from(Doctor)
        .join(User, User.id == Doctor.user_id)
        .join(first, literal(True))
        .where(
            # Visible as in search, the specialty among its own.
            *visible_doctor(),
            exists().where(and_(DoctorSpecialty.doctor_id == Doctor.user_id,
                                DoctorSpecialty.specialty_id == specialty_id)),
        )
        .order_by(first.c.starts_at, User.name, Doctor.user_id)
        .limit(limit)
    ).all()
    result: list[EarliestSlot] = []
    for (doctor_id, name, clinic, city, zone_name, lead_minutes, slot_id, starts_at,
         ends_at) in rows:
        zone = ZoneInfo(zone_name)
        result.append(EarliestSlot(
            doctor_id=doctor_id, doctor_name=name, clinic=clinic, city=city,
            timezone=zone_name, slot_id=slot_id, starts_at=starts_at.astimezone(zone),
            ends_at=ends_at.astimezone(zone),
            short_notice=starts_at < now + timedelta(minutes=lead_minutes),
        ))
    return result

