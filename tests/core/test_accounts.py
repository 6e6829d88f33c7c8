"""Core: staff invitations, password reset and change, patient activation, disabling accounts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from doctorbook.core.accounts import accounts, auth, patients
from doctorbook.core.base.account_models import AccountToken
from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
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
from doctorbook.core.doctors import invites
from tests.conftest import PASSWORD, make_user

CODE = re.compile(r"doctorbook (?:accept-invite|password reset|activate) (db[ipv]_[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def admin(uow: UnitOfWork) -> Actor:
    return make_user(uow, email="admin@clinic.example", name="Ada Admin", role=Role.ADMIN)


def _mail(uow: UnitOfWork, to: str) -> EmailOutbox:
    row = uow.session.scalars(select(EmailOutbox).where(EmailOutbox.to_address == to)
                              .order_by(EmailOutbox.id.desc())).first()
    assert row is not None, f"no e-mail to {to}"
    return row


def _code(uow: UnitOfWork, to: str) -> str:
    row = _mail(uow, to)
    match = CODE.search(row.text_body)
    assert match, row.text_body
    return match.group(1)


def _audit(uow: UnitOfWork, action: str) -> list[dict[str, object]]:
    rows = uow.session.execute(
        text("SELECT data FROM audit_log WHERE action = :a ORDER BY id"), {"a": action})
    return [r.data for r in rows]


# --- staff -----------------------------------------------------------------------------------


def test_an_invited_receptionist_accepts_and_logs_in_as_the_desk(uow, admin):
    view = accounts.invite_staff(uow, actor=admin, email="Rita@Clinic.Example", name="Rita Desk",
                                 role=Role.RECEPTIONIST)
    assert view.role == Role.RECEPTIONIST and view.email == "rita@clinic.example"
    mail = _mail(uow, "rita@clinic.example")
    assert mail.kind == "staff_invite" and mail.contains_secret
    assert "as a receptionist" in mail.subject
    [listed] = [s for s in accounts.list_staff(uow, actor=admin) if s.user_id is None]
    assert (listed.email, listed.status) == ("rita@clinic.example", accounts.StaffStatus.INVITED)

    user = invites.accept_invite(uow, token=_code(uow, "rita@clinic.example"), password=PASSWORD)
    assert user.role == Role.RECEPTIONIST
    login = auth.login(uow, email="rita@clinic.example", password=PASSWORD)
    assert login.user.role == Role.RECEPTIONIST
    # No doctor profile was made for her.
    assert uow.session.execute(text("SELECT count(*) FROM doctors WHERE user_id = :u"),
                               {"u": user.id}).scalar_one() == 0
    statuses = {s.email: s.status for s in accounts.list_staff(uow, actor=admin)}
    assert statuses["rita@clinic.example"] == accounts.StaffStatus.ACTIVE


def test_staff_invitations_follow_the_invite_rules(uow, admin, clock: FixedClock):
    first = accounts.invite_staff(uow, actor=admin, email="amy@clinic.example", name="Amy",
                                  role=Role.ADMIN)
    old = _code(uow, "amy@clinic.example")
    assert len(old) >= 4 + 43  # prefix and 256 bits in base64url
    again = accounts.resend_staff_invite(uow, actor=admin, email="amy@clinic.example")
    new = _code(uow, "amy@clinic.example")
    assert again.id != first.id and new != old and again.role == Role.ADMIN
    with pytest.raises(PolicyViolation, match="replaced"):
        invites.accept_invite(uow, token=old, password=PASSWORD)
    # Only digests are stored; the audit never holds a token.
    stored = uow.session.execute(text("SELECT token_hash FROM invites")).scalars().all()
    assert new not in stored and old not in stored
    assert new not in str(_audit(uow, "staff.invited"))
    clock.advance(timedelta(hours=73))
    with pytest.raises(PolicyViolation, match="expired"):
        invites.accept_invite(uow, token=new, password=PASSWORD)
    [listed] = [s for s in accounts.list_staff(uow, actor=admin) if s.user_id is None]
    assert listed.status == accounts.StaffStatus.INVITE_EXPIRED
    with pytest.raises(ValidationError):
        accounts.invite_staff(uow, actor=admin, email="d@clinic.example", name="D",
                              role=Role.DOCTOR)
    with pytest.raises(Conflict):
        accounts.invite_staff(uow, actor=admin, email="admin@clinic.example", name="Twin",
                              role=Role.ADMIN)


@pytest.mark.parametrize("role", [Role.PATIENT, Role.DOCTOR, Role.RECEPTIONIST])
def test_only_admins_manage_staff(uow, admin, role):
    actor = make_user(uow, email=f"{role}@example.com", role=role)
    calls = [
        lambda: accounts.invite_staff(uow, actor=actor, email="x@example.com", name="X",
                                      role=Role.RECEPTIONIST),
        lambda: accounts.list_staff(uow, actor=actor),
        lambda: accounts.resend_staff_invite(uow, actor=actor, email="x@example.com"),
        lambda: accounts.set_staff_active(uow, actor=actor, ref=admin.user_id, active=False,
                                          reason="r"),
        lambda: accounts.set_patient_active(uow, actor=actor, ref=admin.user_id, active=False,
                                            reason="r"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(AuthenticationError):
        accounts.list_staff(uow, actor=Actor.anonymous())


def test_disabling_staff_ends_their_sessions_and_the_last_admin_stays(uow, admin):
    desk = make_user(uow, email="rita@clinic.example", role=Role.RECEPTIONIST)
    login = auth.login(uow, email="rita@clinic.example", password=PASSWORD)
    assert auth.authenticate(uow, access_token=login.access_token).user_id == desk.user_id
    with pytest.raises(ValidationError, match="say why"):
        accounts.set_staff_active(uow, actor=admin, ref="rita@clinic.example", active=False,
                                  reason="  ")
    view = accounts.set_staff_active(uow, actor=admin, ref="RITA@clinic.example", active=False,
                                     reason="left the clinic")
    assert not view.is_active
    with pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=login.access_token)
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="rita@clinic.example", password=PASSWORD)
    [listed] = [s for s in accounts.list_staff(uow, actor=admin) if s.email == desk.email]
    assert (listed.status, listed.disabled_reason) == (accounts.StaffStatus.DISABLED,
                                                       "left the clinic")
    assert _audit(uow, "user.disabled")[-1]["sessions_ended"] == 1
    accounts.set_staff_active(uow, actor=admin, ref=desk.user_id, active=True)
    assert auth.login(uow, email="rita@clinic.example", password=PASSWORD)

    with pytest.raises(PolicyViolation, match="your own"):
        accounts.set_staff_active(uow, actor=admin, ref=admin.user_id, active=False, reason="x")
    other = make_user(uow, email="boss@clinic.example", role=Role.ADMIN)
    accounts.set_staff_active(uow, actor=other, ref=admin.user_id, active=False, reason="x")
    # Two admins disabling each other at once: the second (still holding its actor from
    # before) finds the other is the last active admin.
    again = make_user(uow, email="third@clinic.example", role=Role.ADMIN)
    accounts.set_staff_active(uow, actor=again, ref=other.user_id, active=False, reason="x")
    with pytest.raises(PolicyViolation, match="last active admin"):
        accounts.set_staff_active(uow, actor=other, ref=again.user_id, active=False, reason="x")


def test_staff_commands_refuse_other_kinds_of_accounts_and_bad_refs(uow, admin):
    patient = make_user(uow, email="pat@example.com")
    with pytest.raises(ValidationError, match="patients disable"):
        accounts.set_staff_active(uow, actor=admin, ref=patient.user_id, active=False,
                                  reason="x")
    with pytest.raises(ValidationError, match="not a patient"):
        accounts.set_patient_active(uow, actor=admin, ref=admin.user_id, active=False,
                                    reason="x")
    for ref in ("999999", "99999999999999999999", "nobody@example.com", "0"):
        with pytest.raises((NotFound, ValidationError)):
            accounts.set_staff_active(uow, actor=admin, ref=ref, active=True)
    with pytest.raises(NotFound):
        accounts.resend_staff_invite(uow, actor=admin, email="nobody@example.com")


def test_a_disabled_patient_cannot_log_in_but_keeps_their_visits_for_the_desk(uow, admin):
    make_user(uow, email="pat@example.com", name="Pat")
    accounts.set_patient_active(uow, actor=admin, ref="pat@example.com", active=False,
                                reason="abusive messages")
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="pat@example.com", password=PASSWORD)
    desk = make_user(uow, email="desk@clinic.example", role=Role.RECEPTIONIST)
    found = patients.find_patients(uow, actor=desk, query="pat@example.com")
    assert [p.email for p in found] == ["pat@example.com"]
    accounts.set_patient_active(uow, actor=admin, ref="pat@example.com", active=True)
    assert auth.login(uow, email="pat@example.com", password=PASSWORD)


# --- forgotten password ----------------------------------------------------------------------


def test_forgot_answers_alike_and_resets_once_ending_every_session(uow, clock: FixedClock):
    pat = make_user(uow, email="pat@example.com")
    first_login = auth.login(uow, email="pat@example.com", password=PASSWORD)
    second_login = auth.login(uow, email="pat@example.com", password=PASSWORD)
    known = accounts.request_password_reset(uow, email="PAT@example.com")
    unknown = accounts.request_password_reset(uow, email="nobody@example.com")
    assert known == unknown == accounts.FORGOT_ANSWER
    mail = _mail(uow, "pat@example.com")
    assert mail.kind == "password_reset" and mail.contains_secret
    code = _code(uow, "pat@example.com")
    assert code.startswith("dbp_")
    assert uow.session.execute(text("SELECT count(*) FROM email_outbox WHERE to_address = "
                                    "'nobody@example.com'")).scalar_one() == 0
    # Stored as a digest only; the audit has no code.
    hashes = uow.session.execute(text("SELECT token_hash FROM account_tokens")).scalars().all()
    assert code not in hashes and len(hashes) == 1
    assert code not in str(_audit(uow, "password.reset_requested"))

    done = accounts.set_password_with_token(uow, token=code, password=NEW_PASSWORD)
    assert done.sessions_ended == 2 and not done.activated
    for login in (first_login, second_login):
        with pytest.raises(AuthenticationError):
            auth.authenticate(uow, access_token=login.access_token)
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="pat@example.com", password=PASSWORD)
    assert auth.login(uow, email="pat@example.com", password=NEW_PASSWORD).user.id == pat.user_id
    with pytest.raises(PolicyViolation, match="already used"):
        accounts.set_password_with_token(uow, token=code, password="yet another passphrase")
    with pytest.raises(AuthenticationError, match="not valid"):
        accounts.set_password_with_token(uow, token="dbp_made-up", password=NEW_PASSWORD)


def test_reset_codes_expire_are_replaced_and_obey_the_policy(uow, clock: FixedClock):
    make_user(uow, email="pat@example.com")
    accounts.request_password_reset(uow, email="pat@example.com")
    old = _code(uow, "pat@example.com")
    accounts.request_password_reset(uow, email="pat@example.com")
    new = _code(uow, "pat@example.com")
    with pytest.raises(PolicyViolation, match="replaced"):
        accounts.set_password_with_token(uow, token=old, password=NEW_PASSWORD)
    with pytest.raises(ValidationError):
        accounts.set_password_with_token(uow, token=new, password="short")
    clock.advance(timedelta(minutes=31))
    with pytest.raises(PolicyViolation, match="expired"):
        accounts.set_password_with_token(uow, token=new, password=NEW_PASSWORD)


def test_more_than_three_requests_an_hour_are_dropped_silently_and_audited(
    uow, clock: FixedClock
):
    make_user(uow, email="pat@example.com")
    for _ in range(5):
        assert accounts.request_password_reset(uow, email="pat@example.com") == \
            accounts.FORGOT_ANSWER
    sent = uow.session.execute(text("SELECT count(*) FROM email_outbox WHERE kind = "
                                    "'password_reset'")).scalar_one()
    assert sent == 3
    assert len(_audit(uow, "password.reset_dropped")) == 2
    clock.advance(timedelta(minutes=61))
    accounts.request_password_reset(uow, email="pat@example.com")
    assert uow.session.execute(text("SELECT count(*) FROM email_outbox WHERE kind = "
                                    "'password_reset'")).scalar_one() == 4


def test_a_disabled_account_gets_no_reset_and_its_codes_die(uow, admin):
    make_user(uow, email="pat@example.com")
    accounts.request_password_reset(uow, email="pat@example.com")
    code = _code(uow, "pat@example.com")
    accounts.set_patient_active(uow, actor=admin, ref="pat@example.com", active=False,
                                reason="abuse")
    with pytest.raises(PolicyViolation):
        accounts.set_password_with_token(uow, token=code, password=NEW_PASSWORD)
    accounts.request_password_reset(uow, email="pat@example.com")
    assert uow.session.execute(text("SELECT count(*) FROM email_outbox WHERE kind = "
                                    "'password_reset'")).scalar_one() == 1


# --- change ----------------------------------------------------------------------------------


def test_change_password_keeps_this_session_and_ends_the_others(uow):
    make_user(uow, email="pat@example.com")
    here = auth.login(uow, email="pat@example.com", password=PASSWORD)
    elsewhere = auth.login(uow, email="pat@example.com", password=PASSWORD)
    actor = auth.authenticate(uow, access_token=here.access_token)
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        accounts.change_password(uow, actor=actor, current="not it at all", new=NEW_PASSWORD)
    with pytest.raises(ValidationError, match="differ"):
        accounts.change_password(uow, actor=actor, current=PASSWORD, new=PASSWORD)
    with pytest.raises(ValidationError):
        accounts.change_password(uow, actor=actor, current=PASSWORD, new="password123")
    assert accounts.change_password(uow, actor=actor, current=PASSWORD, new=NEW_PASSWORD) == 1
    assert auth.authenticate(uow, access_token=here.access_token).user_id == actor.user_id
    with pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=elsewhere.access_token)
    assert auth.login(uow, email="pat@example.com", password=NEW_PASSWORD)
    with pytest.raises(AuthenticationError):
        accounts.change_password(uow, actor=Actor.anonymous(), current="a", new="b")
    assert NEW_PASSWORD not in str(_audit(uow, "password.changed"))


# --- activation ------------------------------------------------------------------------------


def test_a_patient_the_desk_created_activates_and_logs_in(uow, clock: FixedClock):
    desk = make_user(uow, email="desk@clinic.example", role=Role.RECEPTIONIST)
    view = patients.create_patient(uow, actor=desk, email="walkin@example.com", name="Walk In")
    mail = _mail(uow, "walkin@example.com")
    assert mail.kind == "account_activation" and "doctorbook activate dbv_" in mail.text_body
    first = _code(uow, "walkin@example.com")
    with pytest.raises(AuthenticationError):
        auth.login(uow, email="walkin@example.com", password=PASSWORD)
    accounts.send_activation(uow, actor=desk, patient_id=view.id)  # "I never got it"
    code = _code(uow, "walkin@example.com")
    with pytest.raises(PolicyViolation, match="replaced"):
        accounts.set_password_with_token(uow, token=first, password=NEW_PASSWORD)
    clock.advance(timedelta(hours=71))  # 72 h, unlike a reset's 30 minutes
    done = accounts.set_password_with_token(uow, token=code, password=NEW_PASSWORD)
    assert done.activated and done.user.id == view.id
    login = auth.login(uow, email="walkin@example.com", password=NEW_PASSWORD)
    assert login.user.role == Role.PATIENT
    with pytest.raises(PolicyViolation, match="already has a password"):
        accounts.send_activation(uow, actor=desk, patient_id=view.id)
    patient = Actor(view.id, Role.PATIENT, view.email)
    with pytest.raises(PermissionDenied):
        accounts.send_activation(uow, actor=patient, patient_id=view.id)
    with pytest.raises(NotFound):
        accounts.send_activation(uow, actor=desk, patient_id=desk.user_id)


def test_a_patient_created_at_the_desk_can_also_use_forgot_password(uow):
    desk = make_user(uow, email="desk@clinic.example", role=Role.RECEPTIONIST)
    patients.create_patient(uow, actor=desk, email="walkin@example.com", name="Walk In")
    accounts.request_password_reset(uow, email="walkin@example.com")
    code = _code(uow, "walkin@example.com")
    assert code.startswith("dbp_")
    accounts.set_password_with_token(uow, token=code, password=NEW_PASSWORD)
    assert auth.login(uow, email="walkin@example.com", password=NEW_PASSWORD)
    live = uow.session.scalars(select(AccountToken).where(
        AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))).all()
    assert live == []  # the activation code died with the reset
