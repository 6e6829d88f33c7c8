"""Doctor profiles: the doctor completes theirs; the public sees complete, active ones."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, exists, select

from doctorbook.core.base import audit, events
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import NotFound, ValidationError
from doctorbook.core.base.models import Doctor, DoctorSpecialty, Specialty, User
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.base.text import clean_text
from doctorbook.core.doctors import specialties

#: Fields a profile needs before patients can find it (name comes from the account).
REQUIRED_FIELDS = ("specialties", "clinic_name", "city", "timezone", "price")
MAX_PRICE = Decimal("100000")


@dataclass(frozen=True)
class ReviewView:
    rating: int
    comment: str | None
    created_at: datetime
    patient_name: str


@dataclass(frozen=True)
class DoctorProfile:
    doctor_id: int
    name: str
    email: str
    status: str
    bio: str | None
    price: Decimal | None
    currency: str
    clinic_name: str | None
    address: str | None
    city: str | None
    timezone: str | None
    specialties: tuple[str, ...]
    slot_minutes: int
    lead_minutes: int
    cancel_hours: int
    auto_confirm: bool
    missing: tuple[str, ...]
    rating: float | None = None
    review_count: int = 0
    reviews: tuple[ReviewView, ...] = field(default=())

    @property
    def visible(self) -> bool:
        """Patients can find this doctor: active and every required field filled in."""
        return self.status == "active" and not self.missing


@dataclass(frozen=True)
class DoctorSummary:
    """One doctor in the admin's list, whatever their status or profile."""

    doctor_id: int
    name: str
    email: str
    status: str
    city: str | None
    clinic_name: str | None
    #: Patients can find this doctor: active and every required field filled in.
    visible: bool
    review_count: int
    rating: float | None


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str) -> str:
    value = name.strip()
    if value not in _timezones() or value in {"localtime", "Factory"}:
        raise ValidationError(
            f"not an IANA timezone: {name!r} (for example Europe/Berlin or America/New_York)"
        )
    return value


def parse_price(value: str | Decimal | float | int) -> Decimal:
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"not a price: {value!r}") from None
    if not price.is_finite() or price < 0:
        raise ValidationError(f"a price must be 0 or more: {value!r}")
    if price > MAX_PRICE:
        raise ValidationError(f"a price must be at most {MAX_PRICE}")
    if price != price.quantize(Decimal("0.01")):
        raise ValidationError(f"a price has at most 2 decimals: {value!r}")
    return price.quantize(Decimal("0.01"))


def _load(uow: UnitOfWork, doctor_id: int) -> DoctorProfile | None:
    row = uow.session.execute(
        select(Doctor, User).join(User, User.id == Doctor.user_id).where(
            Doctor.user_id == doctor_id)
    ).first()
    if row is None:
        return None
    doctor, user = row
    names = tuple(uow.session.scalars(
        select(Specialty.name)
        .join(DoctorSpecialty, DoctorSpecialty.specialty_id == Specialty.id)
        .where(DoctorSpecialty.doctor_id == doctor_id)
        .order_by(Specialty.name)
    ))
    values = {"specialties": names, "clinic_name": doctor.clinic_name, "city": doctor.city,
              "timezone": doctor.timezone, "price": doctor.price}
    missing = tuple(f for f in REQUIRED_FIELDS if values[f] in (None, "", ()))
    assert user.email is not None  # only a walk-in patient may have none; a doctor logs in
    return DoctorProfile(
        doctor_id=doctor.user_id, name=user.name, email=user.email, status=doctor.status,
        bio=doctor.bio, price=doctor.price, currency=doctor.currency,
        clinic_name=doctor.clinic_name, address=doctor.address, city=doctor.city,
        timezone=doctor.timezone, specialties=names, slot_minutes=doctor.slot_minutes,
        lead_minutes=doctor.lead_minutes, cancel_hours=doctor.cancel_hours,
        auto_confirm=doctor.auto_confirm, missing=missing,
        rating=(round(doctor.rating_total / doctor.review_count, 1)
                if doctor.review_count else None),
        review_count=doctor.review_count,
    )


def own_profile(uow: UnitOfWork, *, actor: Actor) -> DoctorProfile:
    require(actor, Permission.PROFILE_EDIT_OWN)
    assert actor.user_id is not None
    profile = _load(uow, actor.user_id)
    if profile is None:
        raise NotFound("you have no doctor profile")
    return profile


def update_profile(
    uow: UnitOfWork,
    *,
    actor: Actor,
    bio: str | None = UNSET,
    price: str | Decimal | None = UNSET,
    clinic_name: str | None = UNSET,
    address: str | None = UNSET,
    city: str | None = UNSET,
    timezone: str | None = UNSET,
    specialty_names: list[str] | None = UNSET,
    slot_minutes: int = UNSET,
    lead_minutes: int = UNSET,
    cancel_hours: int = UNSET,
    auto_confirm: bool = UNSET,
) -> DoctorProfile:
    """The doctor edits their own profile; only the fields given change."""
    require(actor, Permission.PROFILE_EDIT_OWN)
    assert actor.user_id is not None
    doctor = uow.session.get(Doctor, actor.user_id, with_for_update=True)
    if doctor is None:
        raise NotFound("you have no doctor profile")
    changed: list[str] = []
    if bio is not UNSET:
        doctor.bio = clean_text(bio, label="bio", limit=4000, multiline=True)
        changed.append("bio")
    if price is not UNSET:
        doctor.price = None if price is None or str(price).strip() == "" else parse_price(price)
        changed.append("price")
    if clinic_name is not UNSET:
        doctor.clinic_name = clean_text(clinic_name, label="clinic name", limit=200)
        changed.append("clinic_name")
    if address is not UNSET:
        doctor.address = clean_text(address, label="address", limit=300)
        changed.append("address")
    if city is not UNSET:
        doctor.city = clean_text(city, label="city", limit=100)
        changed.append("city")
    if timezone is not UNSET:
        doctor.timezone = None if not timezone else validate_timezone(timezone)
        changed.append("timezone")
    for label, value, low, high in (
        ("slot_minutes", slot_minutes, 5, 480),
        ("lead_minutes", lead_minutes, 0, 43200),
        ("cancel_hours", cancel_hours, 0, 720),
    ):
        if value is UNSET:
            continue
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"{label.replace('_', ' ')} must be from {low} to {high}")
        setattr(doctor, label, value)
        changed.append(label)
    if auto_confirm is not UNSET:
        doctor.auto_confirm = bool(auto_confirm)
        changed.append("auto_confirm")
    if specialty_names is not UNSET:
        ids = specialties.resolve(uow, list(specialty_names or []))
        uow.session.execute(
            delete(DoctorSpecialty).where(DoctorSpecialty.doctor_id == doctor.user_id)
        )
        for specialty_id in ids:
            uow.session.add(DoctorSpecialty(doctor_id=doctor.user_id, specialty_id=specialty_id))
        changed.append("specialties")
    if not changed:
        raise ValidationError("nothing to change; give at least one field")
    doctor.updated_at = uow.now()
    uow.session.flush()
    audit.record(uow, actor=actor, action="doctor.profile_updated", entity_kind="doctor",
                 entity_id=doctor.user_id, data={"fields": changed})
    profile = _load(uow, doctor.user_id)
    assert profile is not None
    uow.commit()
    return profile


def show_doctor(
    uow: UnitOfWork, *, actor: Actor, doctor_id: int, search_id: str | uuid.UUID | None = None,
) -> DoctorProfile:
    """A doctor's public profile; hidden ones exist only for admins and the doctor.

    Opened from a search (`search_id`): the `result_opened` event is committed with it (on
    the primary, after the read, when this runs on the hot standby: `write_on_primary`).
    """
    opened_from = events.parse_search_id(search_id)
    profile = _load(uow, doctor_id)
    allowed_hidden = actor.can(Permission.DOCTORS_MANAGE) or actor.user_id == doctor_id
    if profile is None or (not profile.visible and not allowed_hidden):
        raise NotFound(f"no doctor {doctor_id}")
    if opened_from is not None:
        uow.write_on_primary(lambda primary: events.record(
            primary, "result_opened", search_id=opened_from, doctor_id=doctor_id))
        uow.commit()
    return profile


def set_status(uow: UnitOfWork, *, actor: Actor, doctor_id: int, active: bool) -> DoctorProfile:
    """Suspend (hide from patients) or reactivate a doctor."""
    require(actor, Permission.DOCTORS_MANAGE)
    doctor = uow.session.get(Doctor, doctor_id, with_for_update=True)
    if doctor is None:
        raise NotFound(f"no doctor {doctor_id}")
    doctor.status = "active" if active else "suspended"
    doctor.updated_at = uow.now()
    audit.record(uow, actor=actor, action="doctor.activated" if active else "doctor.suspended",
                 entity_kind="doctor", entity_id=doctor_id)
    uow.session.flush()
    profile = _load(uow, doctor_id)
    assert profile is not None
    uow.commit()
    return profile


def list_doctors(uow: UnitOfWork, *, actor: Actor) -> list[DoctorSummary]:
    """Every doctor (suspended and incomplete ones too), by name; for admins."""
    require(actor, Permission.DOCTORS_MANAGE)
    has_specialty = exists().where(DoctorSpecialty.doctor_id == Doctor.user_id)
    rows = uow.session.execute(
        select(Doctor, User.name, User.email, has_specialty.label("has_specialty"))
        .join(User, User.id == Doctor.user_id)
        .order_by(User.name, Doctor.user_id)
    ).all()
    summaries = []
    for doctor, name, email, specialty in rows:
        complete = bool(specialty) and all(
            value not in (None, "")
            for value in (doctor.clinic_name, doctor.city, doctor.timezone, doctor.price)
        )
        summaries.append(DoctorSummary(
            # Only a walk-in patient may have no e-mail; a doctor logs in with theirs.
            doctor_id=doctor.user_id, name=name, email=email or "", status=doctor.status,
            city=doctor.city, clinic_name=doctor.clinic_name,
            visible=doctor.status == "active" and complete,
            review_count=doctor.review_count,
            rating=(round(doctor.rating_total / doctor.review_count, 1)
                    if doctor.review_count else None),
        ))
    return summaries
