"""Booking fixtures: a clinic with a visible doctor in Berlin, desk staff, two patients, slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.doctors import doctors
from tests.conftest import make_user
from tests.search.conftest import add_slot, make_visible_doctor

__all__ = ["IN_1_HOUR", "IN_3_DAYS_10", "TOMORROW_10", "Clinic", "add_slot", "clinic"]

# The test clock reads 2026-11-24T09:00Z (10:00 in Berlin).
TOMORROW_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
IN_3_DAYS_10 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
IN_1_HOUR = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Clinic:
    admin: Actor
    desk: Actor
    doctor: Actor
    other_doctor: Actor
    alice: Actor
    bob: Actor


@pytest.fixture
def clinic(uow: UnitOfWork) -> Clinic:
    admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
    desk = make_user(uow, email="desk@clinic.example", name="Rita Desk", role=Role.RECEPTIONIST)
    doctor = make_visible_doctor(uow, admin, "house@clinic.example", name="Dr Gregory House")
    other = make_visible_doctor(uow, admin, "wilson@clinic.example", name="Dr James Wilson",
                                specialty="Oncology")
    doctors.update_profile(uow, actor=doctor, address="Hauptstr. 1")
    alice = make_user(uow, email="alice@example.com", name="Alice Patient")
    bob = make_user(uow, email="bob@example.com", name="Bob Patient")
    return Clinic(admin=admin, desk=desk, doctor=doctor, other_doctor=other, alice=alice, bob=bob)
