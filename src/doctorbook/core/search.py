"""Finding doctors: public search over complete, active profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from doctorbook.core import specialties
from doctorbook.core.db import UnitOfWork
from doctorbook.core.errors import ValidationError


@dataclass(frozen=True)
class SlotRef:
    slot_id: int
    starts_at: datetime


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
    next_slots: tuple[SlotRef, ...]


def search(
    uow: UnitOfWork,
    *,
    specialty: str | None = None,
    city: str | None = None,
    name: str | None = None,
    limit: int = 50,
) -> list[SearchResult]:
    """Visible doctors (active, profile complete) matching every filter given."""
    from sqlalchemy import and_, exists, func, select

    from doctorbook.core.models import Doctor, DoctorSpecialty, Specialty, User

    if not 1 <= limit <= 500:
        raise ValidationError("limit must be from 1 to 500")
    has_specialty = exists().where(DoctorSpecialty.doctor_id == Doctor.user_id)
    stmt = (
        select(Doctor, User.name)
        .join(User, User.id == Doctor.user_id)
        .where(
            Doctor.status == "active",
            User.is_active.is_(True),
            Doctor.price.is_not(None),
            Doctor.clinic_name.is_not(None),
            Doctor.city.is_not(None),
            Doctor.timezone.is_not(None),
            has_specialty,
        )
        .order_by(User.name, Doctor.user_id)
        .limit(limit)
    )
    if specialty and specialty.strip():
        (specialty_id,) = specialties.resolve(uow, [specialty])
        stmt = stmt.where(
            exists().where(and_(DoctorSpecialty.doctor_id == Doctor.user_id,
                                DoctorSpecialty.specialty_id == specialty_id))
        )
    if city and city.strip():
        stmt = stmt.where(func.lower(Doctor.city) == " ".join(city.lower().split()))
    if name and name.strip():
        pattern = "%" + name.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        stmt = stmt.where(User.name.ilike(pattern + "%", escape="\\"))
    rows = uow.session.execute(stmt).all()
    ids = [d.user_id for d, _ in rows]
    names: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for doctor_id, specialty_name in uow.session.execute(
            select(DoctorSpecialty.doctor_id, Specialty.name)
            .join(Specialty, Specialty.id == DoctorSpecialty.specialty_id)
            .where(DoctorSpecialty.doctor_id.in_(ids))
            .order_by(Specialty.name)
        ):
            names[doctor_id].append(specialty_name)
    results = []
    for doctor, doctor_name in rows:
        assert doctor.price is not None and doctor.clinic_name and doctor.city
        results.append(SearchResult(
            doctor_id=doctor.user_id, name=doctor_name, specialties=tuple(names[doctor.user_id]),
            clinic=doctor.clinic_name, city=doctor.city, price=doctor.price,
            currency=doctor.currency, rating=None, review_count=0, next_slots=(),
        ))
    return results
