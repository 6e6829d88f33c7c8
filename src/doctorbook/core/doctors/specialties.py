"""The specialties taxonomy: admins add, rename and remove; everyone may list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from doctorbook.core.base import audit
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict, NotFound, PolicyViolation, ValidationError
from doctorbook.core.base.models import DoctorSpecialty, Specialty
from doctorbook.core.base.rbac import Actor, Permission, require
from doctorbook.core.base.text import clean_text, refused_character


@dataclass(frozen=True)
class SpecialtyView:
    id: int
    name: str
    slug: str
    doctor_count: int


def slugify(name: str) -> str:
    return "-".join(name.lower().split())


def clean_specialty_name(name: str) -> str:
    value = clean_text(name, label="a specialty name", limit=100) or ""
    if len(value) < 2:
        raise ValidationError("a specialty name needs at least 2 characters")
    if not any(ch.isalpha() for ch in value):
        raise ValidationError(f"not a specialty name: {name!r}")
    return value


def _find(uow: UnitOfWork, name: str) -> object | None:
    # A lookup stores nothing, but a NUL or a lone surrogate would fail in the driver.
    if refused_character(name.strip()) is not None:
        raise ValidationError("a specialty name must not contain control characters")
    return uow.session.scalars(select(Specialty).where(Specialty.slug == slugify(name))).first()


def resolve(uow: UnitOfWork, names: list[str]) -> list[int]:
    """Specialty ids for names (any case); an unknown name is refused with the known ones."""
    ids: list[int] = []
    for name in names:
        found = _find(uow, name)
        if found is None:
            known = ", ".join(s.name for s in list_specialties(uow)) or "none yet"
            raise NotFound(f"no specialty named {name.strip()!r} (known: {known})")
        assert isinstance(found, Specialty)
        if found.id not in ids:
            ids.append(found.id)
    return ids


def list_specialties(uow: UnitOfWork) -> list[SpecialtyView]:
    """Public: the taxonomy with how many doctors use each specialty."""
    count = (
        select(func.count())
        .where(DoctorSpecialty.specialty_id == Specialty.id)
        .correlate(Specialty)
        .scalar_subquery()
    )
    rows = uow.session.execute(select(Specialty, count).order_by(Specialty.name)).all()
    return [SpecialtyView(s.id, s.name, s.slug, int(n)) for s, n in rows]


def add(uow: UnitOfWork, *, actor: Actor, name: str) -> SpecialtyView:
    require(actor, Permission.SPECIALTIES_MANAGE)
    name = clean_specialty_name(name)
    if _find(uow, name) is not None:
        raise Conflict(f"specialty {name!r} already exists")
    row = Specialty(name=name, slug=slugify(name), created_at=uow.now())
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict(f"specialty {name!r} already exists") from None
    audit.record(uow, actor=actor, action="specialty.added", entity_kind="specialty",
                 entity_id=row.id, data={"name": name})
    view = SpecialtyView(row.id, row.name, row.slug, 0)
    uow.commit()
    return view


def rename(uow: UnitOfWork, *, actor: Actor, old: str, new: str) -> SpecialtyView:
    require(actor, Permission.SPECIALTIES_MANAGE)
    row = _find(uow, old)
    if row is None:
        raise NotFound(f"no specialty named {old.strip()!r}")
    assert isinstance(row, Specialty)
    new = clean_specialty_name(new)
    other = _find(uow, new)
    if other is not None and other is not row:
        raise Conflict(f"specialty {new!r} already exists")
    previous = row.name
    row.name, row.slug = new, slugify(new)
    audit.record(uow, actor=actor, action="specialty.renamed", entity_kind="specialty",
                 entity_id=row.id, data={"from": previous, "to": new})
    uow.session.flush()
    view = next(s for s in list_specialties(uow) if s.id == row.id)
    uow.commit()
    return view


def remove(uow: UnitOfWork, *, actor: Actor, name: str) -> None:
    require(actor, Permission.SPECIALTIES_MANAGE)
    row = _find(uow, name)
    if row is None:
        raise NotFound(f"no specialty named {name.strip()!r}")
    assert isinstance(row, Specialty)
    in_use = uow.session.scalar(
        select(func.count()).where(DoctorSpecialty.specialty_id == row.id)
    )
    if in_use:
        raise PolicyViolation(
            f"specialty {row.name!r} is used by {in_use} doctor(s); remove it from their "
            "profiles first"
        )
    audit.record(uow, actor=actor, action="specialty.removed", entity_kind="specialty",
                 entity_id=row.id, data={"name": row.name})
    uow.session.delete(row)
    uow.commit()
