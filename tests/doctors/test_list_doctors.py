"""Core: the admin's list of every doctor, suspended and incomplete ones included."""

from __future__ import annotations

import pytest

from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import PermissionDenied
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.doctors import doctors, invites
from tests.conftest import PASSWORD, make_user
from tests.search.conftest import _token_from_outbox, make_visible_doctor


def _incomplete_doctor(uow: UnitOfWork, admin: Actor, email: str, name: str) -> int:
    """A doctor who accepted an invite but filled in nothing."""
    view = invites.invite_doctor(uow, actor=admin, email=email, name=name, specialty_names=[])
    user = invites.accept_invite(
        uow, token=_token_from_outbox(uow, view.outbox_id), password=PASSWORD
    )
    return user.id


def test_admin_sees_every_doctor_by_name(uow: UnitOfWork) -> None:
    admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
    wilson = make_visible_doctor(uow, admin, "wilson@clinic.example", name="James Wilson",
                                 city="Munich")
    house = make_visible_doctor(uow, admin, "house@clinic.example", name="Gregory House")
    cuddy = _incomplete_doctor(uow, admin, "cuddy@clinic.example", "Lisa Cuddy")
    doctors.set_status(uow, actor=admin, doctor_id=house.user_id, active=False)

    listed = doctors.list_doctors(uow, actor=admin)

    assert [(d.name, d.email, d.status, d.visible) for d in listed] == [
        ("Gregory House", "house@clinic.example", "suspended", False),
        ("James Wilson", "wilson@clinic.example", "active", True),
        ("Lisa Cuddy", "cuddy@clinic.example", "active", False),
    ]
    by_id = {d.doctor_id: d for d in listed}
    assert by_id[wilson.user_id].city == "Munich"
    assert by_id[wilson.user_id].clinic_name == "Munich Clinic"
    assert by_id[wilson.user_id].rating is None
    assert by_id[wilson.user_id].review_count == 0
    assert by_id[cuddy].city is None and by_id[cuddy].clinic_name is None
    # The list agrees with each doctor's own profile on who patients can find.
    for summary in listed:
        profile = doctors.show_doctor(uow, actor=admin, doctor_id=summary.doctor_id)
        assert summary.visible == profile.visible


def test_a_complete_profile_without_specialties_is_not_visible(uow: UnitOfWork) -> None:
    admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
    doctor_id = _incomplete_doctor(uow, admin, "cuddy@clinic.example", "Lisa Cuddy")
    actor = Actor(doctor_id, Role.DOCTOR, "cuddy@clinic.example")
    doctors.update_profile(uow, actor=actor, price="60", clinic_name="Clinic", city="Berlin",
                           timezone="Europe/Berlin")

    [summary] = doctors.list_doctors(uow, actor=admin)

    assert summary.status == "active"
    assert not summary.visible


@pytest.mark.parametrize("role", [Role.PATIENT, Role.RECEPTIONIST, Role.DOCTOR])
def test_other_roles_are_refused(uow: UnitOfWork, role: Role) -> None:
    admin = make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)
    make_visible_doctor(uow, admin, "house@clinic.example", name="Gregory House")
    someone = make_user(uow, email="someone@example.com", name="Some One", role=role)
    with pytest.raises(PermissionDenied):
        doctors.list_doctors(uow, actor=someone)
