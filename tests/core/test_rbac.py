"""Who may do what: one role table in core, ownership on top, refused in the service itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from doctorbook.core.accounts import auth
from doctorbook.core.base import audit
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import AuthenticationError, PermissionDenied
from doctorbook.core.base.models import Appointment
from doctorbook.core.base.rbac import ROLE_PERMISSIONS, Actor, Permission, Role, require
from doctorbook.core.booking.appointments import Scope, list_appointments
from tests.conftest import NOW, PASSWORD, make_user

P = Permission

# --- the role table ---------------------------------------------------------------------


def test_every_role_has_an_entry_in_the_one_table() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.PATIENT,
         {P.APPOINTMENTS_VIEW_OWN, P.APPOINTMENTS_BOOK_SELF, P.APPOINTMENTS_CANCEL_OWN,
          P.REVIEWS_WRITE},
         {P.APPOINTMENTS_VIEW_ANY, P.APPOINTMENTS_MANAGE, P.APPOINTMENTS_NOTES,
          P.APPOINTMENTS_BOOK_FOR_PATIENT, P.AUDIT_VIEW, P.USERS_DISABLE,
          P.USERS_CREATE_ADMIN, P.PATIENTS_MANAGE, P.METRICS_VIEW}),
        (Role.DOCTOR,
         {P.APPOINTMENTS_VIEW_OWN, P.APPOINTMENTS_NOTES, P.SCHEDULE_MANAGE_OWN,
          P.PROFILE_EDIT_OWN},
         {P.APPOINTMENTS_VIEW_ANY, P.AUDIT_VIEW, P.USERS_DISABLE, P.USERS_CREATE_ADMIN,
          P.REVIEWS_WRITE, P.SPECIALTIES_MANAGE}),
        (Role.RECEPTIONIST,
         {P.APPOINTMENTS_VIEW_ANY, P.APPOINTMENTS_BOOK_FOR_PATIENT, P.PATIENTS_MANAGE},
         {P.APPOINTMENTS_NOTES, P.AUDIT_VIEW, P.USERS_DISABLE, P.USERS_CREATE_ADMIN,
          P.REVIEWS_WRITE, P.SPECIALTIES_MANAGE}),
        (Role.ADMIN,
         {P.APPOINTMENTS_VIEW_ANY, P.AUDIT_VIEW, P.USERS_DISABLE, P.USERS_CREATE_ADMIN,
          P.SPECIALTIES_MANAGE, P.OUTBOX_MANAGE, P.METRICS_VIEW, P.DOCTORS_INVITE},
         {P.APPOINTMENTS_NOTES, P.REVIEWS_WRITE}),  # private notes and reviews aren't theirs
    ],
)
def test_role_table(role: Role, allowed: set[Permission], refused: set[Permission]) -> None:
    actor = Actor(1, role, "someone@example.com")
    for permission in allowed:
        assert actor.can(permission), permission
        require(actor, permission)
    for permission in refused:
        assert not actor.can(permission), permission
        with pytest.raises(PermissionDenied):
            require(actor, permission)


def test_require_refuses_a_patient_asking_to_view_any_appointment() -> None:
    with pytest.raises(PermissionDenied, match="patient"):
        require(Actor(1, Role.PATIENT), P.APPOINTMENTS_VIEW_ANY)


def test_require_asks_an_anonymous_actor_to_log_in() -> None:
    with pytest.raises(AuthenticationError, match="log"):
        require(Actor.anonymous(), P.APPOINTMENTS_VIEW_OWN)
    # An actor without a role is anonymous too, whatever its id.
    with pytest.raises(AuthenticationError):
        require(Actor(7, None), P.APPOINTMENTS_VIEW_OWN)


def test_require_accepts_any_one_of_several_permissions() -> None:
    require(Actor(1, Role.PATIENT), P.APPOINTMENTS_VIEW_ANY, P.APPOINTMENTS_VIEW_OWN)
    with pytest.raises(PermissionDenied):
        require(Actor(1, Role.PATIENT), P.APPOINTMENTS_VIEW_ANY, P.AUDIT_VIEW)


# --- refused in the service, not only in a UI -------------------------------------------


def test_a_logged_in_patient_cannot_read_the_audit_log(uow: UnitOfWork) -> None:
    auth.register(uow, email="pat@example.com", name="Pat", password=PASSWORD)
    token = auth.login(uow, email="pat@example.com", password=PASSWORD).access_token
    patient = auth.authenticate(uow, access_token=token)

    with pytest.raises(PermissionDenied):
        audit.list_entries(uow, actor=patient)
    with pytest.raises(AuthenticationError):
        audit.list_entries(uow, actor=Actor.anonymous())

    admin = make_user(uow, email="root@example.com", role=Role.ADMIN)
    entries = audit.list_entries(uow, actor=admin, action="login.succeeded")
    assert [e.actor_id for e in entries] == [patient.user_id]


def test_an_anonymous_actor_cannot_list_appointments(uow: UnitOfWork) -> None:
    with pytest.raises(AuthenticationError):
        list_appointments(uow, actor=Actor.anonymous())


# --- ownership --------------------------------------------------------------------------


@dataclass
class Clinic:
    alice: Actor
    bob: Actor
    dr_house: Actor
    dr_who: Actor
    desk: Actor
    ids: dict[str, int]


def _book(uow: UnitOfWork, patient: Actor, doctor: Actor, starts_at: datetime,
          minutes: int = 30, status: str = "confirmed") -> int:
    appointment = Appointment(
        patient_id=patient.user_id, doctor_id=doctor.user_id, booked_by_id=patient.user_id,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), status=status,
        reason=f"{patient.email} sees {doctor.email}", created_at=NOW, updated_at=NOW,
    )
    uow.session.add(appointment)
    uow.session.flush()
    return appointment.id


@pytest.fixture
def clinic(uow: UnitOfWork) -> Clinic:
    alice = make_user(uow, email="alice@example.com", name="Alice")
    bob = make_user(uow, email="bob@example.com", name="Bob")
    dr_house = make_user(uow, email="house@example.com", name="Dr House", role=Role.DOCTOR)
    dr_who = make_user(uow, email="who@example.com", name="Dr Who", role=Role.DOCTOR)
    desk = make_user(uow, email="desk@example.com", name="Desk", role=Role.RECEPTIONIST)
    ids = {
        "alice_house_past": _book(uow, alice, dr_house, NOW - timedelta(days=3),
                                  status="completed"),
        "alice_who_next": _book(uow, alice, dr_who, NOW + timedelta(days=2)),
        "bob_house_next": _book(uow, bob, dr_house, NOW + timedelta(days=1)),
        "bob_house_cancelled": _book(uow, bob, dr_house, NOW + timedelta(days=5),
                                     status="cancelled"),
    }
    uow.commit()
    return Clinic(alice, bob, dr_house, dr_who, desk, ids)


def _ids(views: list) -> set[int]:
    return {v.id for v in views}


def test_a_patient_sees_only_their_own_appointments(uow: UnitOfWork, clinic: Clinic) -> None:
    ids = clinic.ids
    alices = list_appointments(uow, actor=clinic.alice)
    assert _ids(alices) == {ids["alice_house_past"], ids["alice_who_next"]}
    assert {v.patient_name for v in alices} == {"Alice"}
    assert {v.doctor_name for v in alices} == {"Dr House", "Dr Who"}
    assert _ids(list_appointments(uow, actor=clinic.bob)) == {
        ids["bob_house_next"], ids["bob_house_cancelled"]
    }


def test_a_doctor_sees_only_their_own_appointments(uow: UnitOfWork, clinic: Clinic) -> None:
    ids = clinic.ids
    assert _ids(list_appointments(uow, actor=clinic.dr_house)) == {
        ids["alice_house_past"], ids["bob_house_next"], ids["bob_house_cancelled"]
    }
    assert _ids(list_appointments(uow, actor=clinic.dr_who)) == {ids["alice_who_next"]}


def test_a_receptionist_sees_every_appointment(uow: UnitOfWork, clinic: Clinic) -> None:
    views = list_appointments(uow, actor=clinic.desk)
    assert _ids(views) == set(clinic.ids.values())
    assert [v.starts_at for v in views] == sorted(v.starts_at for v in views)


def test_upcoming_and_past_split_on_the_clock(uow: UnitOfWork, clinic: Clinic, clock) -> None:
    ids = clinic.ids
    in_progress = _book(uow, clinic.alice, clinic.dr_who, NOW - timedelta(minutes=10))
    # Ends 08:50, as the in-progress one starts: a patient's visits never overlap.
    just_ended = _book(uow, clinic.alice, clinic.dr_who, NOW - timedelta(minutes=40))
    uow.commit()

    upcoming = list_appointments(uow, actor=clinic.alice, scope=Scope.UPCOMING)
    past = list_appointments(uow, actor=clinic.alice, scope=Scope.PAST)
    assert [v.id for v in upcoming] == [in_progress, ids["alice_who_next"]]  # soonest first
    assert [v.id for v in past] == [just_ended, ids["alice_house_past"]]  # latest first

    clock.advance(timedelta(days=3))
    assert list_appointments(uow, actor=clinic.alice, scope=Scope.UPCOMING) == []
    assert [v.id for v in list_appointments(uow, actor=clinic.alice, scope=Scope.PAST)] == [
        ids["alice_who_next"], in_progress, just_ended, ids["alice_house_past"]
    ]
    assert [v.id for v in list_appointments(uow, actor=clinic.desk, scope=Scope.UPCOMING)] == [
        ids["bob_house_cancelled"]
    ]
