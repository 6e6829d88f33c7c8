"""Search fixtures: visible doctors (joined by invite) in several clinic timezones, and slots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.models import AvailabilitySlot
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.doctors import doctors, invites, specialties
from tests.cli.conftest import cli, registered
from tests.conftest import PASSWORD, make_user
from tests.schedule.conftest import _token_from_outbox

__all__ = ["add_slot", "admin", "cli", "make_visible_doctor", "registered"]


def make_visible_doctor(
    uow: UnitOfWork, admin: Actor, email: str, *, name: str, timezone: str = "Europe/Berlin",
    city: str = "Berlin", specialty: str = "Cardiology", lead_minutes: int = 120,
) -> Actor:
    """A doctor joined by invite with a complete profile, so patients can find them."""
    if not any(s.slug == specialties.slugify(specialty)
               for s in specialties.list_specialties(uow)):
        specialties.add(uow, actor=admin, name=specialty)
    view = invites.invite_doctor(uow, actor=admin, email=email, name=name,
                                 specialty_names=[specialty])
    user = invites.accept_invite(uow, token=_token_from_outbox(uow, view.outbox_id),
                                 password=PASSWORD)
    actor = Actor(user.id, Role.DOCTOR, user.email)
    doctors.update_profile(uow, actor=actor, price="60", clinic_name=f"{city} Clinic",
                           city=city, timezone=timezone, lead_minutes=lead_minutes)
    return actor


def add_slot(
    uow: UnitOfWork, doctor_id: int, starts_at: datetime, *, status: str = "open",
    minutes: int = 30,
) -> int:
    """One slot written directly, for instants a schedule would make awkward to reach."""
    slot_id = uow.session.execute(
        insert(AvailabilitySlot).values(
            doctor_id=doctor_id, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes), status=status,
        ).returning(AvailabilitySlot.id)
    ).scalar_one()
    uow.commit()
    return int(slot_id)


@pytest.fixture
def admin(uow: UnitOfWork) -> Iterator[Actor]:
    yield make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
