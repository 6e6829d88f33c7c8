"""Walk-ins without an e-mail: the desk creates them with a phone number or a date of birth,
finds them again, books for them, adds an e-mail later; the database holds the rule."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from doctorbook.core.accounts import accounts, auth, erasure, patients
from doctorbook.core.accounts.patients import create_patient, find_patients, set_patient_email
from doctorbook.core.base import migrate
from doctorbook.core.base.account_models import AccountToken, AuditEntry, User
from doctorbook.core.base.db import UnitOfWork, make_engine
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.models import EmailOutbox
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking
from tests.booking.conftest import TOMORROW_10, Clinic, add_slot, clinic
from tests.conftest import PASSWORD

__all__ = ["clinic"]  # the booking tests' clinic: a desk, an admin, a doctor, two patients

HOSTILE_NAME = "[b]Jan[/b] Novák :smile: \\x1b"


def outbox_count(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(EmailOutbox)) or 0


def users_count(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(User)) or 0


def test_a_walk_in_with_only_a_phone_is_created_and_mailed_nothing(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    before = outbox_count(uow)
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="+420 601 234 567")
    assert (jan.email, jan.phone, jan.role, jan.has_password) == (
        None, "+420 601 234 567", Role.PATIENT, False)
    assert outbox_count(uow) == before  # no address, no activation e-mail
    entry = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "patient.created", AuditEntry.entity_id == str(jan.id))).one()
    assert entry.data["has_phone"] is True


def test_a_walk_in_with_only_a_date_of_birth_or_a_blank_email(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    eva = create_patient(uow, actor=clinic.desk, name="Eva Nová", email="   ",
                         date_of_birth=date(1975, 6, 1))
    assert (eva.email, eva.phone, eva.date_of_birth) == (None, None, date(1975, 6, 1))
    assert find_patients(uow, actor=clinic.desk, query="1.6.1975") == [eva]


def test_neither_email_phone_nor_birth_date_is_refused_and_nothing_is_written(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    users, mails = users_count(uow), outbox_count(uow)
    for blank in (None, "", "  "):
        with pytest.raises(ValidationError) as refused:
            create_patient(uow, actor=clinic.desk, name="Nobody Known", email=blank,
                           phone=blank)
        assert str(refused.value) == patients.NO_CONTACT
        assert "\n" not in str(refused.value)
    assert (users_count(uow), outbox_count(uow)) == (users, mails)
    assert find_patients(uow, actor=clinic.desk, query="Nobody") == []


def test_two_walk_ins_without_email_do_not_clash(uow: UnitOfWork, clinic: Clinic) -> None:
    one = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    two = create_patient(uow, actor=clinic.desk, name="Jan Novák",
                         date_of_birth=date(1990, 1, 2))
    assert one.id != two.id
    found = find_patients(uow, actor=clinic.desk, query="jan novák")
    assert [(p.phone, p.date_of_birth) for p in found] == [
        ("601 234 567", None), (None, date(1990, 1, 2))]


def test_the_database_refuses_staff_and_unreachable_patients_without_email(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    """The rule holds below core too: a receptionist, a doctor or an admin always has an
    e-mail (their login); a patient without one has a phone or a date of birth."""
    def insert(role: str, phone: str | None, born: str | None) -> None:
        with uow.session.begin_nested():
            uow.session.execute(text(
                "INSERT INTO users (email, name, phone, role, date_of_birth, created_at, "
                "updated_at) VALUES (NULL, 'X', :phone, :role, CAST(:born AS date), now(), "
                "now())"), {"phone": phone, "role": role, "born": born})

    for role in ("receptionist", "doctor", "admin"):
        with pytest.raises(IntegrityError, match="email_or_walk_in"):
            insert(role, "601 234 567", "1980-01-01")
    with pytest.raises(IntegrityError, match="email_or_walk_in"):
        insert("patient", None, None)
    insert("patient", "601 234 567", None)  # the walk-in the desk may create
    # The lower-case rule still holds for an address.
    with pytest.raises(IntegrityError, match="email_lowercase"), uow.session.begin_nested():
        uow.session.execute(text(
            "UPDATE users SET email = 'Upper@Example.com' WHERE id = :id"),
            {"id": clinic.alice.user_id})


def test_found_by_phone_however_it_is_typed(uow: UnitOfWork, clinic: Clinic) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="+420 601 234 567")
    for typed in ("+420 601 234 567", "601234567", "601 234 567", "420601234567",
                  "+420601234567", "601-234-567", "234 567"):
        assert find_patients(uow, actor=clinic.desk, query=typed) == [jan], typed
    # Stored without the country code, typed with it: still found.
    petr = create_patient(uow, actor=clinic.desk, name="Petr Malý", phone="777 888 999")
    assert find_patients(uow, actor=clinic.desk, query="+420 777 888 999") == [petr]
    assert find_patients(uow, actor=clinic.desk, query="+420 777 888 990") == []
    # A few trailing digits typed with a country code find no stranger.
    assert find_patients(uow, actor=clinic.desk, query="+420 111 222 567") == []


def test_hostile_name_and_phone(uow: UnitOfWork, clinic: Clinic) -> None:
    view = create_patient(uow, actor=clinic.desk, name=HOSTILE_NAME, phone="601 234 567")
    assert view.name == HOSTILE_NAME  # stored as typed: markup is text
    for name in ("Jan\u202eNovák", "Jan\x1b[31mNovák", "Jan\nNovák"):
        with pytest.raises(ValidationError, match="control characters"):
            create_patient(uow, actor=clinic.desk, name=name, phone="601 234 567")
    for phone in ("601\x00234567", "601\n234 567", "[b]601234567[/b]", "6" * 41,
                  "\x1b[31m601234567"):
        with pytest.raises(ValidationError) as refused:
            create_patient(uow, actor=clinic.desk, name="Jan", phone=phone)
        assert "\n" not in str(refused.value)
    with pytest.raises(ValidationError):
        create_patient(uow, actor=clinic.desk, name="x" * 201, phone="601 234 567")
    with pytest.raises(ValidationError):
        find_patients(uow, actor=clinic.desk, query="601\x00234")


def test_a_patient_cannot_create_patients_nor_set_their_email(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    for actor in (clinic.alice, clinic.doctor):
        with pytest.raises(PermissionDenied):
            create_patient(uow, actor=actor, name="Jan Two", phone="601 234 568")
        with pytest.raises(PermissionDenied):
            set_patient_email(uow, actor=actor, patient_id=jan.id, email="jan@mail.example")
        with pytest.raises(PermissionDenied):
            accounts.send_activation(uow, actor=actor, patient_id=jan.id)
    with pytest.raises(AuthenticationError):
        create_patient(uow, actor=Actor.anonymous(), name="Jan Two", phone="601 234 568")
    assert len(find_patients(uow, actor=clinic.desk, query="Jan")) == 1


def test_the_desk_books_for_a_walk_in_by_id(uow: UnitOfWork, clinic: Clinic) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    last = uow.session.scalar(select(func.max(EmailOutbox.id))) or 0
    booked = booking.book(uow, actor=clinic.desk, slot_id=slot, patient_id=jan.id)
    assert (booked.patient_id, booked.patient_name, booked.patient_email) == (
        jan.id, "Jan Novák", None)
    assert booked.patient_phone == "601 234 567"
    # Nothing to the patient (no address); the doctor may still be told.
    sent_to = set(uow.session.scalars(
        select(EmailOutbox.to_address).where(EmailOutbox.id > last)))
    assert sent_to <= {"house@clinic.example"}


def test_activation_without_an_email_is_refused_clearly(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    mails = outbox_count(uow)
    with pytest.raises(PolicyViolation) as refused:
        accounts.send_activation(uow, actor=clinic.desk, patient_id=jan.id)
    assert str(refused.value) == ("Jan Novák has no e-mail address to send it to; "
                                  "add their e-mail first")
    assert outbox_count(uow) == mails


def test_the_desk_adds_an_email_later_and_the_patient_activates(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    view = set_patient_email(uow, actor=clinic.desk, patient_id=jan.id,
                             email="  Jan.Novak@Mail.Example ")
    assert (view.id, view.email, view.phone) == (jan.id, "jan.novak@mail.example",
                                                 "601 234 567")
    mail = uow.session.scalars(select(EmailOutbox).where(
        EmailOutbox.to_address == "jan.novak@mail.example")).one()
    assert mail.kind == "account_activation"
    entry = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "patient.email_set", AuditEntry.entity_id == str(jan.id))).one()
    assert entry.actor_id == clinic.desk.user_id
    assert entry.data == {"had_email": False}  # never the address itself
    assert find_patients(uow, actor=clinic.desk, query="novak@mail") == [view]
    # The code in that e-mail sets the password; then they log in with the address.
    # The mailed code is stored only hashed: a new one, issued as that e-mail's was.
    user = uow.session.get(User, jan.id)
    assert user is not None
    code, _row = accounts._issue_token(uow, user, accounts.Purpose.ACTIVATION)
    done = accounts.set_password_with_token(uow, token=code, password=PASSWORD)
    assert done.activated and done.user.email == "jan.novak@mail.example"
    login = auth.login(uow, email="jan.novak@mail.example", password=PASSWORD)
    assert login.user.id == jan.id
    # From now on the address is their login: the desk can't change it.
    with pytest.raises(PolicyViolation, match="change their e-mail themselves"):
        set_patient_email(uow, actor=clinic.desk, patient_id=jan.id, email="other@mail.example")


def test_correcting_a_mistyped_email_revokes_the_code_sent_to_it(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    carol = create_patient(uow, actor=clinic.desk, name="Carol Jones",
                           email="carol@mial.example")
    set_patient_email(uow, actor=clinic.desk, patient_id=carol.id, email="carol@mail.example")
    codes = uow.session.scalars(select(AccountToken).where(
        AccountToken.user_id == carol.id).order_by(AccountToken.id)).all()
    assert [c.revoked_at is not None for c in codes] == [True, False]
    entry = uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "patient.email_set")).one()
    assert entry.data == {"had_email": True}


def test_setting_an_email_refusals_are_one_line_and_change_nothing(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    cases: list[tuple[type[Exception], int, str, str]] = [
        (Conflict, jan.id, "ALICE@example.com",
         "an account with e-mail alice@example.com already exists"),
        (Conflict, jan.id, "desk@clinic.example", "already exists"),
        (ValidationError, jan.id, "not-an-email", "not a valid e-mail address"),
        (ValidationError, jan.id, "", "e-mail is required"),
        (ValidationError, jan.id, "jan@mail.example\x00", "control characters"),
        (NotFound, 0, "jan@mail.example", "no patient 0"),
        (NotFound, 2**63, "jan@mail.example", "no patient"),
        (NotFound, clinic.doctor.user_id or 0, "jan@mail.example", "no patient"),
        (NotFound, 999_999, "jan@mail.example", "no patient 999999"),
    ]
    for error, patient_id, email, message in cases:
        with pytest.raises(error, match=message) as refused:
            set_patient_email(uow, actor=clinic.desk, patient_id=patient_id, email=email)
        assert "\n" not in str(refused.value)
    user = uow.session.get(User, jan.id)
    assert user is not None and user.email is None
    assert not uow.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "patient.email_set")).all()


def test_erasing_a_walk_in_without_email(uow: UnitOfWork, clinic: Clinic) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567",
                         date_of_birth=date(1980, 3, 12))
    slot = add_slot(uow, clinic.doctor.user_id, TOMORROW_10)
    booking.book(uow, actor=clinic.desk, slot_id=slot, patient_id=jan.id, reason="Jan's knee")
    audit_entries = uow.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    report = erasure.erase_patient(uow, actor=clinic.admin, patient_id=jan.id,
                                   reason="asked at the desk")
    assert (report.appointments, report.emails) == (1, 0)
    user = uow.session.get(User, jan.id)
    assert user is not None
    assert (user.name, user.phone, user.date_of_birth) == (erasure.ERASED_NAME, None, None)
    assert user.email == erasure.erased_email(jan.id)
    assert find_patients(uow, actor=clinic.desk, query="601 234 567") == []
    # Other people's audit entries (no "email" in their data) were left alone.
    assert (uow.session.scalar(select(func.count()).select_from(AuditEntry)) or 0) == \
        audit_entries + 1
    with pytest.raises(PolicyViolation):
        set_patient_email(uow, actor=clinic.desk, patient_id=jan.id, email="jan@mail.example")


def test_a_walk_in_cannot_log_in_and_login_by_email_is_unaffected(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="jan@mail.example", password=PASSWORD)
    assert auth.login(uow, email="alice@example.com", password=PASSWORD).user.email == \
        "alice@example.com"
    # Asking for a reset for an address no one has says the same as ever.
    assert accounts.request_password_reset(uow, email="nobody@mail.example") == \
        accounts.FORGOT_ANSWER


def test_disable_and_enable_a_walk_in_by_id(uow: UnitOfWork, clinic: Clinic) -> None:
    jan = create_patient(uow, actor=clinic.desk, name="Jan Novák", phone="601 234 567")
    off = accounts.set_patient_active(uow, actor=clinic.admin, ref=jan.id, active=False,
                                      reason="abuse")
    assert not off.is_active and off.email is None
    # Refusals name a walk-in by name, never "None".
    with pytest.raises(ValidationError, match=r"^Jan Novák is a patient, not staff"):
        accounts.set_staff_active(uow, actor=clinic.admin, ref=jan.id, active=True)
    # A disabled walk-in's e-mail can be added; the activation waits until enabled.
    mails = outbox_count(uow)
    view = set_patient_email(uow, actor=clinic.desk, patient_id=jan.id, email="jan@mail.example")
    assert view.email == "jan@mail.example" and outbox_count(uow) == mails


def test_the_migration_round_trips_a_walk_in(fresh_db_url: str) -> None:
    """Down to 0008 (e-mail required) a walk-in gets an address no mail can reach; back up, it
    is a walk-in without an e-mail again."""
    engine = make_engine(fresh_db_url)
    cfg = migrate.alembic_config(engine)
    select_jan = text("SELECT email FROM users WHERE name = 'Jan Novák'")
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (email, name, phone, role, created_at, updated_at) "
                "VALUES (NULL, 'Jan Novák', '601 234 567', 'patient', now(), now())"))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008")
            email = conn.execute(select_jan).scalar_one()
            assert email.startswith("walk-in-") and email.endswith("@invalid")
        migrate.upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(select_jan).scalar_one() is None
    finally:
        engine.dispose()
