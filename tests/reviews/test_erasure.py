"""Erasing a patient leaves none of their details in any text column, and every count alone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from doctorbook.core.accounts import accounts, auth, erasure
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.booking import booking, lifecycle
from doctorbook.core.feedback import metrics, reviews
from tests.conftest import PASSWORD
from tests.reviews.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, completed_visit

NAME, EMAIL, PHONE = "Alice Patient", "alice@example.com", "+49 30 5550199"


def _every_text_value(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text-like column of every table in the schema."""
    columns = uow.session.execute(text(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN "
        "('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED')"
    )).all()
    found = []
    for table, column in columns:
        rows = uow.session.execute(text(
            f'SELECT CAST("{column}" AS text) FROM "{table}" WHERE "{column}" IS NOT NULL'
        )).scalars()
        found.extend((table, column, value) for value in rows)
    return found


def _mentions(uow: UnitOfWork, *needles: str) -> list[tuple[str, str]]:
    hits = set()
    for table, column, value in _every_text_value(uow):
        for needle in needles:
            if needle.lower() in value.lower():
                hits.add((table, column))
    return sorted(hits)


def _totals(uow: UnitOfWork, clinic: Clinic) -> tuple[object, ...]:
    today = date(2026, 11, 24)
    result = metrics.compute(uow, actor=clinic.admin, first_day=today,
                             last_day=today + timedelta(days=6))
    profile = reviews.ratings(uow, doctor_id=clinic.doctor.user_id)
    counts = uow.session.execute(text(
        "SELECT (SELECT count(*) FROM appointments), (SELECT count(*) FROM reviews), "
        "(SELECT count(*) FROM audit_log), (SELECT count(*) FROM events), "
        "(SELECT count(*) FROM email_outbox), (SELECT count(*) FROM nps_responses)")).one()
    return (result.totals, profile.average, profile.count, tuple(counts))


def test_erasure_leaves_no_trace_of_the_person_and_every_count_as_it_was(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
) -> None:
    alice = clinic.alice
    accounts.update_own_details(uow, actor=alice, phone=PHONE, date_of_birth=date(1990, 5, 17))
    visit = completed_visit(uow, clock, clinic, alice, TOMORROW_10)
    reviews.submit_review(uow, actor=alice, appointment_id=visit, rating=4,
                          comment=f"Kind doctor. {NAME}, {PHONE}", nps=9)
    lifecycle.add_note(uow, actor=clinic.doctor, appointment_id=visit,
                       text=f"{NAME} reports headaches; call {PHONE}")
    booked = booking.book(uow, actor=alice, reason=f"back pain, reach me at {EMAIL}",
                          slot_id=add_slot(uow, clinic.doctor.user_id, IN_3_DAYS_10))
    lifecycle.cancel(uow, actor=alice, appointment_id=booked.id,
                     reason=f"{NAME} is travelling")
    # A failed login names the e-mail typed; a reset code and a session exist.
    with pytest.raises(AuthenticationError):
        auth.login(uow, email=EMAIL, password="not the password at all")
    accounts.request_password_reset(uow, email=EMAIL)
    auth.login(uow, email=EMAIL, password=PASSWORD)
    assert _mentions(uow, NAME, EMAIL, PHONE)  # the scan finds them before
    before = _totals(uow, clinic)

    report = erasure.erase_patient(uow, actor=clinic.admin, patient_id=alice.user_id,
                                   reason="asked to be forgotten (ticket 4711)")
    assert (report.appointments, report.reviews) == (2, 1) and report.sessions >= 1

    assert _mentions(uow, NAME, EMAIL, PHONE, "1990-05-17") == []
    assert _totals(uow, clinic) == (*before[:3], (*before[3][:2], before[3][2] + 1,
                                                  *before[3][3:]))  # one audit entry more
    with pytest.raises(AuthenticationError):
        auth.login(uow, email=EMAIL, password=PASSWORD)
    row = uow.session.execute(text("SELECT name, email, phone, date_of_birth, password_hash, "
                                   "is_active, erased_at FROM users WHERE id = :id"),
                              {"id": alice.user_id}).one()
    assert row.name == erasure.ERASED_NAME and row.email.endswith("@erased.invalid")
    assert (row.phone, row.date_of_birth, row.password_hash, row.is_active) == \
        (None, None, None, False)
    assert row.erased_at is not None
    entry = uow.session.execute(text(
        "SELECT actor_id, entity_id, data FROM audit_log WHERE action = 'patient.erased'")).one()
    assert (entry.actor_id, entry.entity_id) == (clinic.admin.user_id, str(alice.user_id))
    # The note stays the clinic's record, without the person.
    note = uow.session.execute(text("SELECT body FROM appointment_notes")).scalar_one()
    assert note == "[erased] reports headaches; call [erased]"
    # Nothing queued goes to them any more (the dispatcher finds no pending mail for them).
    pending = uow.session.execute(text(
        "SELECT count(*) FROM email_outbox WHERE status = 'pending' AND to_address LIKE "
        "'%erased.invalid'")).scalar_one()
    assert pending == 0
    # Bob is untouched.
    assert auth.login(uow, email="bob@example.com", password=PASSWORD).user.name == "Bob Patient"


def test_only_admins_erase_only_patients_once_with_a_reason(
    uow: UnitOfWork, clinic: Clinic
) -> None:
    for actor in (clinic.desk, clinic.doctor, clinic.bob):
        with pytest.raises(PermissionDenied):
            erasure.erase_patient(uow, actor=actor, patient_id=clinic.alice.user_id, reason="x")
    with pytest.raises(AuthenticationError):
        erasure.erase_patient(uow, actor=Actor.anonymous(), patient_id=clinic.alice.user_id,
                              reason="x")
    with pytest.raises(NotFound):
        erasure.erase_patient(uow, actor=clinic.admin, patient_id=clinic.desk.user_id,
                              reason="x")
    with pytest.raises(NotFound):
        erasure.erase_patient(uow, actor=clinic.admin, patient_id=10**12, reason="x")
    with pytest.raises(ValidationError):
        erasure.erase_patient(uow, actor=clinic.admin, patient_id=clinic.alice.user_id,
                              reason=" ")
    erasure.erase_patient(uow, actor=clinic.admin, patient_id=clinic.alice.user_id, reason="x")
    with pytest.raises(PolicyViolation, match="already erased"):
        erasure.erase_patient(uow, actor=clinic.admin, patient_id=clinic.alice.user_id,
                              reason="x")


def test_the_audit_log_stays_append_only_outside_an_erasure(uow: UnitOfWork, clinic: Clinic):
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"), uow.session.begin_nested():
        uow.session.execute(text("UPDATE audit_log SET data = '{}'::jsonb"))
    with pytest.raises(DBAPIError, match="append-only"), uow.session.begin_nested():
        # Even while erasing, only `data` may change.
        uow.session.execute(text("SELECT set_config('doctorbook.erasure', 'on', true)"))
        uow.session.execute(text("UPDATE audit_log SET action = 'x'"))


# --- own details -----------------------------------------------------------------------------


def test_a_patient_edits_their_phone_and_date_of_birth(uow: UnitOfWork, clinic: Clinic):
    view = accounts.update_own_details(uow, actor=clinic.bob, phone="030 1234567",
                                       date_of_birth=date(1985, 1, 2))
    assert (view.phone, view.date_of_birth) == ("030 1234567", date(1985, 1, 2))
    view = accounts.update_own_details(uow, actor=clinic.bob, phone=None)
    assert (view.phone, view.date_of_birth) == (None, date(1985, 1, 2))
    for bad in (date(2030, 1, 1), date(1850, 1, 1)):
        with pytest.raises(ValidationError):
            accounts.update_own_details(uow, actor=clinic.bob, date_of_birth=bad)
    with pytest.raises(ValidationError):
        accounts.update_own_details(uow, actor=clinic.bob, phone="call me maybe")
    with pytest.raises(ValidationError, match="nothing to change"):
        accounts.update_own_details(uow, actor=clinic.bob)
    with pytest.raises(AuthenticationError):
        accounts.update_own_details(uow, actor=Actor.anonymous(), phone="030 1234567")
    data = uow.session.execute(text(
        "SELECT data FROM audit_log WHERE action = 'account.updated'")).scalars().all()
    assert "1234567" not in str(data) and "1985" not in str(data)


def test_a_new_email_takes_effect_only_once_confirmed(
    uow: UnitOfWork, clinic: Clinic, clock: FixedClock
):
    bob = clinic.bob
    accounts.request_email_change(uow, actor=bob, new_email="Bob.New@Example.com")
    assert auth.login(uow, email="bob@example.com", password=PASSWORD)  # not yet
    code = _code_for(uow, "bob.new@example.com")
    with pytest.raises(ValidationError):
        accounts.request_email_change(uow, actor=bob, new_email="bob@example.com")
    from doctorbook.core.base.errors import Conflict

    with pytest.raises(Conflict):
        accounts.request_email_change(uow, actor=bob, new_email="alice@example.com")
    # A reset code is no e-mail confirmation, and the other way round.
    with pytest.raises(AuthenticationError):
        accounts.set_password_with_token(uow, token=code, password="a brand new passphrase")
    with pytest.raises(AuthenticationError, match="not valid"):  # logged in as someone else
        accounts.confirm_email_change(uow, token=code, actor=clinic.alice)
    view = accounts.confirm_email_change(uow, token=code, actor=bob)
    assert view.email == "bob.new@example.com"
    assert auth.login(uow, email="bob.new@example.com", password=PASSWORD)
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="bob@example.com", password=PASSWORD)
    with pytest.raises(PolicyViolation, match="already used"):
        accounts.confirm_email_change(uow, token=code)
    accounts.request_email_change(uow, actor=Actor(bob.user_id, Role.PATIENT),
                                  new_email="bob3@example.com")
    late = _code_for(uow, "bob3@example.com")
    clock.advance(timedelta(hours=25))
    with pytest.raises(PolicyViolation, match="expired"):
        accounts.confirm_email_change(uow, token=late)


def _code_for(uow: UnitOfWork, to: str) -> str:
    import re

    token = uow.session.execute(text(
        "SELECT facts ->> 'token' FROM email_outbox WHERE to_address = :to "
        "ORDER BY id DESC LIMIT 1"), {"to": to}).scalar_one()
    assert re.fullmatch(r"dbe_[A-Za-z0-9_-]+", token or ""), token
    return str(token)
