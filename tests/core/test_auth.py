"""Accounts and sessions as a patient, an admin or an attacker would meet them."""

from __future__ import annotations

import base64
import hashlib
import re
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from doctorbook.core.accounts import auth
from doctorbook.core.base import tokens
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AccountLocked,
    AuthenticationError,
    Conflict,
    PermissionDenied,
    ValidationError,
)
from doctorbook.core.base.models import AuditEntry, User
from doctorbook.core.base.rbac import Actor, Role
from tests.conftest import NOW, PASSWORD, make_user

EMAIL = "alice@example.com"


def _register(uow: UnitOfWork, email: str = EMAIL, password: str = PASSWORD) -> auth.UserView:
    return auth.register(uow, email=email, name="Alice Liddell", password=password)


def _login(uow: UnitOfWork, email: str = EMAIL, password: str = PASSWORD) -> auth.LoginResult:
    return auth.login(uow, email=email, password=password)


def _user_count(uow: UnitOfWork) -> int:
    return uow.session.execute(text("SELECT count(*) FROM users")).scalar_one()


def _audit(uow: UnitOfWork, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return list(uow.session.scalars(stmt))


# --- registration -----------------------------------------------------------------------


def test_register_stores_the_email_lowercased_and_login_ignores_case(uow: UnitOfWork) -> None:
    view = auth.register(uow, email="  Alice@Example.COM ", name="  Alice   Liddell ",
                         password=PASSWORD)

    assert view.email == EMAIL
    assert view.name == "Alice Liddell"
    assert view.role == Role.PATIENT
    assert view.is_active
    stored = uow.session.execute(text("SELECT email FROM users WHERE id = :id"),
                                 {"id": view.id}).scalar_one()
    assert stored == EMAIL
    assert _login(uow, email="ALICE@example.com").user.id == view.id


def test_the_same_email_in_another_case_is_a_conflict(uow: UnitOfWork) -> None:
    _register(uow)

    with pytest.raises(Conflict, match="already exists"):
        auth.register(uow, email="ALICE@EXAMPLE.COM", name="Impostor", password=PASSWORD)
    assert _user_count(uow) == 1


@pytest.mark.parametrize(
    "email",
    ["", "   ", "alice", "alice@", "@example.com", "alice@example", "alice@example.c",
     "al ice@example.com", "alice@@example.com", "a" * 250 + "@example.com"],
)
def test_register_rejects_a_malformed_email(uow: UnitOfWork, email: str) -> None:
    with pytest.raises(ValidationError, match="e-mail"):
        auth.register(uow, email=email, name="Alice", password=PASSWORD)
    assert _user_count(uow) == 0


@pytest.mark.parametrize("name", ["", "    ", "\t\n"])
def test_register_requires_a_name(uow: UnitOfWork, name: str) -> None:
    with pytest.raises(ValidationError, match="name is required"):
        auth.register(uow, email=EMAIL, name=name, password=PASSWORD)
    assert _user_count(uow) == 0


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("nine-char", "at least 10"),
        ("x" * 129, "at most 128"),
        ("1234567890", "too common"),
        ("qwertyuiop", "too common"),
        ("QwertyUiop", "too common"),
        ("alice@example.com", "e-mail"),
        ("Alice@Example.COM", "e-mail"),
    ],
)
def test_register_rejects_a_weak_password(uow: UnitOfWork, password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        auth.register(uow, email=EMAIL, name="Alice", password=password)
    assert _user_count(uow) == 0


@pytest.mark.parametrize("length", [10, 128])
def test_register_accepts_passwords_at_the_length_limits(uow: UnitOfWork, length: int) -> None:
    password = ("Zq7!mXv2Lp" * 13)[:length]
    view = auth.register(uow, email=EMAIL, name="Alice", password=password)

    assert _login(uow, password=password).user.id == view.id


# --- secrets at rest --------------------------------------------------------------------


def test_passwords_are_stored_only_as_argon2id_hashes(
    uow: UnitOfWork, production_hashing: None
) -> None:
    view = _register(uow)

    row = uow.session.execute(
        text("SELECT password_hash, row_to_json(u)::text AS everything FROM users u "
             "WHERE id = :id"), {"id": view.id},
    ).one()
    assert row.password_hash.startswith("$argon2id$")
    params = dict(
        kv.split("=") for kv in re.search(r"\$m=[^$]+", row.password_hash).group(0)[1:].split(",")
    )
    assert int(params["m"]) >= 19456
    assert int(params["t"]) >= 2
    assert PASSWORD not in row.everything
    assert PASSWORD.replace(" ", "") not in row.everything.replace(" ", "")


def test_tokens_are_stored_only_as_sha256_digests(uow: UnitOfWork) -> None:
    _register(uow)
    first = _login(uow)
    second = auth.refresh(uow, refresh_token=first.refresh_token)

    rows = uow.session.execute(
        text("SELECT access_hash, refresh_hash, row_to_json(s)::text AS everything "
             "FROM sessions s ORDER BY created_at, rotated_at NULLS LAST")
    ).all()
    assert len(rows) == 2
    everything = "\n".join(r.everything for r in rows)
    for result in (first, second):
        for token in (result.access_token, result.refresh_token):
            assert token not in everything
            assert token[len("dba_"):] not in everything  # nor without its prefix
    digests = {(r.access_hash, r.refresh_hash) for r in rows}
    assert digests == {
        (hashlib.sha256(r.access_token.encode()).hexdigest(),
         hashlib.sha256(r.refresh_token.encode()).hexdigest())
        for r in (first, second)
    }


def test_tokens_carry_at_least_128_bits_of_randomness(uow: UnitOfWork) -> None:
    _register(uow)
    results = [_login(uow) for _ in range(3)]

    all_tokens = [t for r in results for t in (r.access_token, r.refresh_token)]
    assert len(set(all_tokens)) == len(all_tokens)
    for result in results:
        for prefix, token in ((tokens.ACCESS_PREFIX, result.access_token),
                              (tokens.REFRESH_PREFIX, result.refresh_token)):
            assert token.startswith(prefix)
            body = token[len(prefix):]
            assert re.fullmatch(r"[A-Za-z0-9_-]+", body)
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            assert len(raw) * 8 >= 128


# --- token lifetimes, rotation, reuse, logout -------------------------------------------


def test_access_token_lasts_15_minutes_and_refresh_token_30_days(uow, clock) -> None:
    view = _register(uow)
    result = _login(uow)

    assert result.access_expires_at == NOW + timedelta(minutes=15)
    assert result.refresh_expires_at == NOW + timedelta(days=30)
    clock.advance(timedelta(minutes=14, seconds=59))
    actor = auth.authenticate(uow, access_token=result.access_token)
    assert (actor.user_id, actor.role, actor.email) == (view.id, Role.PATIENT, EMAIL)

    clock.advance(timedelta(seconds=1))
    with pytest.raises(auth.SessionExpired):
        auth.authenticate(uow, access_token=result.access_token)

    # The refresh token is still good until 30 days after login...
    clock.advance(timedelta(days=30) - timedelta(minutes=16))
    renewed = auth.refresh(uow, refresh_token=result.refresh_token)
    assert auth.authenticate(uow, access_token=renewed.access_token).user_id == view.id
    # ... and the renewed one 30 days after its own issue, not one second longer.
    clock.advance(timedelta(days=30))
    with pytest.raises(AuthenticationError, match="expired"):
        auth.refresh(uow, refresh_token=renewed.refresh_token)


def test_an_unknown_access_token_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(AuthenticationError, match="log in"):
        auth.authenticate(uow, access_token=tokens.new_token(tokens.ACCESS_PREFIX))
    with pytest.raises(AuthenticationError):
        auth.refresh(uow, refresh_token=tokens.new_token(tokens.REFRESH_PREFIX))


def test_refresh_rotates_the_pair_and_the_old_access_token_stops_working(uow, clock) -> None:
    view = _register(uow)
    old = _login(uow)
    clock.advance(timedelta(minutes=5))

    new = auth.refresh(uow, refresh_token=old.refresh_token)

    assert new.access_token != old.access_token
    assert new.refresh_token != old.refresh_token
    assert new.access_expires_at == NOW + timedelta(minutes=20)
    assert auth.authenticate(uow, access_token=new.access_token).user_id == view.id
    with pytest.raises(AuthenticationError) as err:
        auth.authenticate(uow, access_token=old.access_token)
    assert err.type is AuthenticationError  # revoked, not merely expired
    # the new refresh token rotates again
    newer = auth.refresh(uow, refresh_token=new.refresh_token)
    assert auth.authenticate(uow, access_token=newer.access_token).user_id == view.id


def test_replaying_a_rotated_refresh_token_revokes_the_whole_family(uow, clock) -> None:
    view = _register(uow)
    other_device = _login(uow)
    first = _login(uow)
    second = auth.refresh(uow, refresh_token=first.refresh_token)
    third = auth.refresh(uow, refresh_token=second.refresh_token)
    assert auth.authenticate(uow, access_token=third.access_token).user_id == view.id

    # An attacker replays the first, already rotated, refresh token.
    with pytest.raises(AuthenticationError, match="already used"):
        auth.refresh(uow, refresh_token=first.refresh_token)

    # The legitimate, newest pair of that login is dead too...
    with pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=third.access_token)
    with pytest.raises(AuthenticationError):
        auth.refresh(uow, refresh_token=third.refresh_token)
    # ... and the theft was recorded, once per replay, against that login's family.
    reuse = _audit(uow, "session.refresh_reuse")
    assert len(reuse) == 1
    assert reuse[0].actor_id == view.id
    assert reuse[0].entity_kind == "session_family"
    # Another login (another device) is a different family and keeps working.
    assert auth.authenticate(uow, access_token=other_device.access_token).user_id == view.id
    assert auth.refresh(uow, refresh_token=other_device.refresh_token).user.id == view.id


def test_logout_revokes_the_session(uow: UnitOfWork) -> None:
    _register(uow)
    result = _login(uow)

    assert auth.logout(uow, access_token=result.access_token) is True

    with pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=result.access_token)
    with pytest.raises(AuthenticationError):
        auth.refresh(uow, refresh_token=result.refresh_token)
    assert auth.logout(uow, access_token=result.access_token) is False
    assert auth.logout(uow) is False
    assert len(_audit(uow, "session.logout")) == 1


def test_logout_after_the_access_token_expired_still_ends_the_login(uow, clock) -> None:
    _register(uow)
    result = _login(uow)
    clock.advance(timedelta(hours=2))

    assert auth.logout(uow, access_token=result.access_token) is True

    with pytest.raises(AuthenticationError):
        auth.refresh(uow, refresh_token=result.refresh_token)


def test_logout_by_refresh_token_revokes_the_session(uow: UnitOfWork) -> None:
    _register(uow)
    result = _login(uow)

    assert auth.logout(uow, refresh_token=result.refresh_token) is True

    with pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=result.access_token)


# --- throttling (one origin: this process's; tests/core/test_login_throttle.py has more) ----


def test_five_failures_within_15_minutes_throttle_this_origin_for_30_seconds(uow, clock) -> None:
    _register(uow)
    for attempt in range(4):
        with pytest.raises(AuthenticationError) as err:
            _login(uow, password=f"wrong password {attempt}")
        assert err.type is AuthenticationError
        clock.advance(timedelta(minutes=3))

    with pytest.raises(AccountLocked) as err:
        _login(uow, password="wrong password 4")
    assert str(err.value) == "too many failed logins from this terminal; try again in 30 seconds"

    # The right password is refused while the throttle lasts...
    with pytest.raises(AccountLocked):
        _login(uow)
    clock.advance(timedelta(seconds=29))
    with pytest.raises(AccountLocked):
        _login(uow)
    # ... and no longer: the account itself was never locked.
    clock.advance(timedelta(seconds=1))
    assert _login(uow).user.email == EMAIL
    assert len(_audit(uow, "login.throttled")) == 1
    assert _audit(uow, "login.locked") == []


def test_a_successful_login_resets_the_failure_count(uow, clock) -> None:
    _register(uow)
    for attempt in range(4):
        with pytest.raises(AuthenticationError):
            _login(uow, password=f"wrong password {attempt}")
    _login(uow)
    for attempt in range(4):
        with pytest.raises(AuthenticationError) as err:
            _login(uow, password=f"wrong password again {attempt}")
        assert err.type is AuthenticationError
    assert _login(uow).user.email == EMAIL


def test_failures_spread_over_more_than_15_minutes_do_not_throttle(uow, clock) -> None:
    _register(uow)
    for attempt in range(6):
        with pytest.raises(AuthenticationError) as err:
            _login(uow, password=f"wrong password {attempt}")
        assert err.type is AuthenticationError, f"throttled at attempt {attempt + 1}"
        clock.advance(timedelta(minutes=4))

    assert _login(uow).user.email == EMAIL


def test_five_failures_within_any_15_minutes_throttle(uow, clock) -> None:
    _register(uow)
    with pytest.raises(AuthenticationError):
        _login(uow, password="an old typo, long ago")
    clock.advance(timedelta(minutes=14))
    # Five wrong passwords within three minutes:
    for attempt in range(4):
        with pytest.raises(AuthenticationError):
            _login(uow, password=f"wrong password {attempt}")
        clock.advance(timedelta(seconds=45))
    with pytest.raises(AccountLocked):
        _login(uow, password="wrong password 4")


def test_a_throttle_says_how_long_it_still_lasts_and_doubles_while_failures_go_on(
    uow, clock
) -> None:
    _register(uow)
    for attempt in range(4):
        with pytest.raises(AuthenticationError):
            _login(uow, password=f"wrong password {attempt}")

    def refusal(password: str = PASSWORD) -> str:
        with pytest.raises(AccountLocked) as err:
            _login(uow, password=password)
        return str(err.value).rsplit("try again in ", 1)[1]

    assert refusal("wrong password 4") == "30 seconds"
    assert refusal() == "30 seconds"
    clock.advance(timedelta(seconds=20))
    assert refusal() == "10 seconds"
    clock.advance(timedelta(seconds=10))
    # Each failure after a throttle, before 15 quiet minutes, doubles the next one.
    assert refusal("wrong password 5") == "1 minute"
    clock.advance(timedelta(minutes=1))
    assert refusal("wrong password 6") == "2 minutes"
    clock.advance(timedelta(seconds=61))
    assert refusal() == "59 seconds"
    clock.advance(timedelta(seconds=59))
    waits = []
    for attempt in range(7, 12):
        waits.append(refusal(f"wrong password {attempt}"))
        clock.advance(timedelta(minutes=15))
    assert waits == ["4 minutes", "8 minutes", "15 minutes", "15 minutes", "15 minutes"]
    # Fifteen quiet minutes after the last throttle ended: a typo is just a typo again.
    clock.advance(timedelta(minutes=15))
    with pytest.raises(AuthenticationError) as err:
        _login(uow, password="one more typo")
    assert err.type is AuthenticationError
    assert _login(uow).user.email == EMAIL


# --- no account enumeration -------------------------------------------------------------


def test_unknown_email_and_wrong_password_look_the_same(
    uow: UnitOfWork, production_hashing: None
) -> None:
    # At production cost: with the suite's cheap hasher, argon2 no longer dominates the time.
    _register(uow)

    def attempt(email: str, password: str) -> tuple[float, AuthenticationError]:
        started = time.perf_counter()
        try:
            _login(uow, email=email, password=password)
        except AuthenticationError as exc:
            return time.perf_counter() - started, exc
        raise AssertionError("login unexpectedly succeeded")

    attempt("warm-up@example.com", "warm-up password")
    unknown, wrong = [], []
    for i in range(3):  # fewer than 5: the wrong-password account must not lock
        unknown.append(attempt(f"nobody{i}@example.com", f"some password {i}"))
        wrong.append(attempt(EMAIL, f"some password {i}"))

    for _, exc in unknown + wrong:
        assert type(exc) is AuthenticationError
        assert str(exc) == str(wrong[0][1]) == auth.BAD_CREDENTIALS
    unknown_time = statistics.median(t for t, _ in unknown)
    wrong_time = statistics.median(t for t, _ in wrong)
    assert unknown_time >= 0.5 * wrong_time, (unknown_time, wrong_time)


def test_a_malformed_login_email_is_a_plain_authentication_error(uow: UnitOfWork) -> None:
    with pytest.raises(AuthenticationError) as err:
        auth.login(uow, email="not an e-mail", password=PASSWORD)
    assert type(err.value) is AuthenticationError
    assert str(err.value) == auth.BAD_CREDENTIALS


# --- admins and disabling ---------------------------------------------------------------


def test_disabling_a_user_revokes_its_sessions_and_refuses_its_logins(uow: UnitOfWork) -> None:
    admin_view = auth.create_admin(uow, actor=Actor.anonymous(), email="root@example.com",
                                   name="Root", password=PASSWORD)
    admin = Actor(admin_view.id, Role.ADMIN, admin_view.email)
    patient = _register(uow)
    session = _login(uow)

    disabled = auth.set_active(uow, actor=admin, user_id=patient.id, active=False)

    assert not disabled.is_active
    with pytest.raises(AuthenticationError):
        auth.authenticate(uow, access_token=session.access_token)
    with pytest.raises(AuthenticationError):
        auth.refresh(uow, refresh_token=session.refresh_token)
    with pytest.raises(AuthenticationError) as err:
        _login(uow)  # even with the right password, and without saying why
    assert str(err.value) == auth.BAD_CREDENTIALS
    assert [e.entity_id for e in _audit(uow, "user.disabled")] == [str(patient.id)]

    auth.set_active(uow, actor=admin, user_id=patient.id, active=True)
    assert _login(uow).user.id == patient.id
    with pytest.raises(AuthenticationError):  # the old session stays dead
        auth.authenticate(uow, access_token=session.access_token)


def test_only_an_admin_may_disable_a_user(uow: UnitOfWork) -> None:
    patient = make_user(uow, email=EMAIL)
    with pytest.raises(PermissionDenied):
        auth.set_active(uow, actor=patient, user_id=patient.user_id, active=False)
    with pytest.raises(AuthenticationError):
        auth.set_active(uow, actor=Actor.anonymous(), user_id=patient.user_id, active=False)
    assert uow.session.get(User, patient.user_id).is_active


def test_the_first_admin_needs_no_login_but_later_ones_need_an_admin(uow: UnitOfWork) -> None:
    first = auth.create_admin(uow, actor=Actor.anonymous(), email="root@example.com",
                              name="Root", password=PASSWORD)
    assert first.role == Role.ADMIN
    patient = make_user(uow, email=EMAIL)

    with pytest.raises(AuthenticationError):
        auth.create_admin(uow, actor=Actor.anonymous(), email="eve@example.com", name="Eve",
                          password=PASSWORD)
    with pytest.raises(PermissionDenied):
        auth.create_admin(uow, actor=patient, email="eve@example.com", name="Eve",
                          password=PASSWORD)
    assert uow.session.scalar(select(User).where(User.email == "eve@example.com")) is None

    admin = Actor(first.id, Role.ADMIN, first.email)
    second = auth.create_admin(uow, actor=admin, email="second@example.com", name="Second",
                               password=PASSWORD)
    assert second.role == Role.ADMIN
    created = _audit(uow, "admin.created")
    assert [(e.entity_id, e.actor_id, e.data) for e in created] == [
        (str(first.id), first.id, {"first": True}),
        (str(second.id), first.id, {"first": False}),
    ]


def test_admins_create_receptionists_and_nobody_else_does(uow: UnitOfWork) -> None:
    first = auth.create_admin(uow, actor=Actor.anonymous(), email="root@example.com",
                              name="Root", password=PASSWORD)
    admin = Actor(first.id, Role.ADMIN, first.email)

    staff = auth.create_staff(uow, actor=admin, email="desk@example.com", name="Desk",
                              password=PASSWORD, role=Role.RECEPTIONIST)
    assert staff.role == Role.RECEPTIONIST
    with pytest.raises(ValidationError):
        auth.create_staff(uow, actor=admin, email="doc@example.com", name="Doc",
                          password=PASSWORD, role=Role.DOCTOR)
    receptionist = Actor(staff.id, Role.RECEPTIONIST, staff.email)
    with pytest.raises(PermissionDenied):
        auth.create_staff(uow, actor=receptionist, email="desk2@example.com", name="Desk 2",
                          password=PASSWORD, role=Role.RECEPTIONIST)


def test_whoami_names_the_logged_in_user(uow: UnitOfWork) -> None:
    view = _register(uow)
    actor = auth.authenticate(uow, access_token=_login(uow).access_token)

    assert auth.whoami(uow, actor=actor) == view
    with pytest.raises(AuthenticationError, match="not logged in"):
        auth.whoami(uow, actor=Actor.anonymous())


# --- the audit trail --------------------------------------------------------------------


def test_every_auth_event_is_audited_and_no_audit_row_holds_a_secret(uow, clock) -> None:
    secrets_seen: list[str] = [PASSWORD]
    admin_password = "admin password for the audit test"
    auth.create_admin(uow, actor=Actor.anonymous(), email="root@example.com", name="Root",
                      password=admin_password)
    secrets_seen += [admin_password]
    _register(uow)
    good = _login(uow)
    rotated = auth.refresh(uow, refresh_token=good.refresh_token)
    with pytest.raises(AuthenticationError):
        auth.refresh(uow, refresh_token=good.refresh_token)  # reuse
    second = _login(uow)
    auth.logout(uow, access_token=second.access_token)
    wrong = [f"wrong-but-close {PASSWORD} {i}" for i in range(5)]
    with pytest.raises(AuthenticationError):
        _login(uow, email="nobody@example.com", password=wrong[0])
    for i, attempt in enumerate(wrong):
        with pytest.raises(AccountLocked if i == 4 else AuthenticationError):
            _login(uow, password=attempt)
    secrets_seen += wrong
    for result in (good, rotated, second):
        secrets_seen += [result.access_token, result.refresh_token]
    secrets_seen += [h for (h,) in uow.session.execute(text("SELECT password_hash FROM users"))]

    actions = [e.action for e in _audit(uow)]
    for action in ("admin.created", "user.registered", "login.succeeded", "login.failed",
                   "login.throttled", "session.refresh_reuse", "session.logout"):
        assert action in actions, action
    assert actions.count("login.failed") == 6
    assert actions.count("login.succeeded") == 2

    dumped = "\n".join(
        uow.session.execute(text("SELECT row_to_json(a)::text FROM audit_log a")).scalars()
    )
    for secret in secrets_seen:
        assert secret not in dumped
    for entry in _audit(uow):
        assert not {"password", "token", "access_token", "refresh_token"} & set(entry.data)
    failed_unknown = [e for e in _audit(uow, "login.failed") if e.entity_id is None]
    assert failed_unknown[0].data["email"] == "nobody@example.com"
