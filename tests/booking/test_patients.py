"""The front desk finds patients and creates patient records on the spot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from doctorbook.core.accounts import auth
from doctorbook.core.accounts.patients import create_patient, find_patients
from doctorbook.core.base.account_models import AuditEntry, User
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    PermissionDenied,
    ValidationError,
)
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking
from tests.booking.conftest import TOMORROW_10, Clinic, add_slot
from tests.conftest import make_user


def names(found: list[auth.UserView]) -> list[str]:
    return [p.name for p in found]


def test_find_by_part_of_the_name_email_or_phone_in_any_case(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    carol = create_patient(uow, actor=clinic.desk, email="carol@mail.example",
                           name="Carol Jones", phone="+49 30 1234-5678")
    assert names(find_patients(uow, actor=clinic.desk, query="PATIENT")) == [
        "Alice Patient", "Bob Patient"
    ]
    assert names(find_patients(uow, actor=clinic.desk, query="ali")) == ["Alice Patient"]
    assert names(find_patients(uow, actor=clinic.desk, query="  BOB@example ")) == [
        "Bob Patient"
    ]
    assert find_patients(uow, actor=clinic.desk, query="1234-56") == [carol]
    # Typed with other separators (or none), a phone number still matches.
    assert find_patients(uow, actor=clinic.desk, query="030 12345678") == []
    assert find_patients(uow, actor=clinic.desk, query="30 12345678") == [carol]
    assert find_patients(uow, actor=clinic.desk, query="3012345") == [carol]
    assert find_patients(uow, actor=clinic.desk, query="nobody") == []


def test_only_patients_are_found(uow: UnitOfWork, clinic: Clinic) -> None:
    # "clinic.example" is in every staff and doctor e-mail, and in no patient's.
    assert find_patients(uow, actor=clinic.admin, query="clinic.example") == []
    assert "Dr Gregory House" not in names(find_patients(uow, actor=clinic.desk, query="o"))


def test_an_empty_query_lists_patients_by_name_up_to_the_limit(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    make_user(uow, email="aaron@example.com", name="aaron lower-case")
    assert names(find_patients(uow, actor=clinic.desk, query="")) == [
        "aaron lower-case", "Alice Patient", "Bob Patient"
    ]
    assert names(find_patients(uow, actor=clinic.desk, query=" ", limit=2)) == [
        "aaron lower-case", "Alice Patient"
    ]
    for limit in (0, 101):
        with pytest.raises(ValidationError):
            find_patients(uow, actor=clinic.desk, query="", limit=limit)


def test_like_wildcards_in_the_query_are_taken_literally(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    make_user(uow, email="under_score@example.com", name="Una Score")
    assert names(find_patients(uow, actor=clinic.desk, query="_")) == ["Una Score"]
    assert find_patients(uow, actor=clinic.desk, query="%") == []
    assert find_patients(uow, actor=clinic.desk, query="\\") == []


def test_only_the_desk_and_admins_look_patients_up(uow: UnitOfWork, clinic: Clinic) -> None:
    for actor in (clinic.alice, clinic.doctor):
        with pytest.raises(PermissionDenied):
            find_patients(uow, actor=actor, query="bob")
        with pytest.raises(PermissionDenied):
            create_patient(uow, actor=actor, email="new@example.com", name="New Patient")
    with pytest.raises(AuthenticationError):
        find_patients(uow, actor=Actor.anonymous(), query="bob")
    assert find_patients(uow, actor=clinic.admin, query="bob")[0].email == "bob@example.com"


def test_create_a_patient_without_a_password_audited_in_one_transaction(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    view = create_patient(uow, actor=clinic.desk, email="  Carol@Mail.Example ",
                          name="  Carol   Jones ", phone=" 0171  555 1234 ")
    assert (view.email, view.name, view.phone, view.role) == (
        "carol@mail.example", "Carol Jones", "0171 555 1234", Role.PATIENT
    )
    assert view.is_active
    user = uow.session.get(User, view.id)
    assert user is not None and user.password_hash is None
    entry = uow.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "patient.created")
    ).one()
    assert (entry.actor_id, entry.entity_kind, entry.entity_id) == (
        clinic.desk.user_id, "user", str(view.id)
    )
    assert entry.data == {"role": "patient", "has_phone": True, "has_date_of_birth": False}
    # Without a password nobody can log in as them (yet) ...
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="carol@mail.example", password="")
    # ... but the desk can book for them at once.
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    booked = booking.book(uow, actor=clinic.desk, slot_id=slot, patient_id=view.id)
    assert booked.patient_name == "Carol Jones"


def test_a_taken_email_is_a_conflict_in_any_case(uow: UnitOfWork, clinic: Clinic) -> None:
    with pytest.raises(Conflict) as refused:
        create_patient(uow, actor=clinic.desk, email="ALICE@example.com", name="Alice Again")
    assert str(refused.value) == "an account with e-mail alice@example.com already exists"
    with pytest.raises(Conflict):
        create_patient(uow, actor=clinic.desk, email="desk@clinic.example", name="Desk Twin")


@pytest.mark.parametrize(
    ("email", "name", "phone", "message"),
    [
        ("not-an-email", "Carol Jones", None, "not a valid e-mail address"),
        ("carol@mail.example", "   ", None, "name is required"),
        ("carol@mail.example", "Carol Jones", "call me maybe", "not a phone number"),
        ("carol@mail.example", "Carol Jones", "12", "not a phone number"),
        ("carol@mail.example", "Carol Jones", "1" * 41, "at most 40 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(
    uow: UnitOfWork, clinic: Clinic, email: str, name: str, phone: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        create_patient(uow, actor=clinic.desk, email=email, name=name, phone=phone)
    assert find_patients(uow, actor=clinic.desk, query="carol") == []


def test_an_empty_phone_is_no_phone(uow: UnitOfWork, clinic: Clinic) -> None:
    view = create_patient(uow, actor=clinic.admin, email="dan@example.com", name="Dan Doe",
                          phone="   ")
    assert view.phone is None


def test_a_walk_in_with_a_date_of_birth_is_found_by_it_as_the_desk_types_it(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    from datetime import date

    dora = create_patient(uow, actor=clinic.desk, email="dora@mail.example",
                          name="Dora Older", date_of_birth=date(1980, 3, 12))
    assert dora.date_of_birth == date(1980, 3, 12)
    for typed in ("1980-03-12", "12.03.1980", "12/3/1980", " 12.03.1980 "):
        assert find_patients(uow, actor=clinic.desk, query=typed) == [dora], typed
    # Another day, or no such day, finds no one (and is no error).
    assert find_patients(uow, actor=clinic.desk, query="13.03.1980") == []
    assert find_patients(uow, actor=clinic.desk, query="31.02.1980") == []
    [entry] = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "patient.created", AuditEntry.entity_id == str(dora.id)))
    assert entry.data["has_date_of_birth"] is True
    for born in (date(2999, 1, 1), date(1850, 1, 1)):
        with pytest.raises(ValidationError, match="not a date of birth"):
            create_patient(uow, actor=clinic.desk, email="eve@mail.example", name="Eve",
                           date_of_birth=born)
