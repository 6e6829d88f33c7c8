"""Accounts and sessions: registration, throttled login, rotating refresh, logout."""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError

from doctorbook.core.accounts import passwords

# Authenticating a token and whoami live in identity (Core SQL, no ORM: every command's path);
# they stay importable from here, with the rest of logging in and out.
from doctorbook.core.accounts.identity import AccountView as AccountView
from doctorbook.core.accounts.identity import SessionExpired as SessionExpired
from doctorbook.core.accounts.identity import UserView as UserView
from doctorbook.core.accounts.identity import authenticate as authenticate
from doctorbook.core.accounts.identity import whoami as whoami
from doctorbook.core.accounts.origin import clean_origin, current_origin
from doctorbook.core.base import audit, tokens
from doctorbook.core.base.account_models import AuthSession, LoginThrottle, User
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AccountLocked,
    AuthenticationError,
    Conflict,
    NotFound,
    ValidationError,
)
from doctorbook.core.base.rbac import Actor, Permission, Role, has_role, require
from doctorbook.core.base.text import clean_text, refused_character

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)

#: One message for unknown e-mail, wrong password and disabled account: no enumeration.
BAD_CREDENTIALS = "wrong e-mail or password"

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


@dataclass(frozen=True)
class LoginResult:
    """The token pair handed to the client once; only their digests are stored."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    user: AccountView


def _view(user: object) -> UserView:
    assert isinstance(user, User)
    return UserView(
        id=user.id, email=user.email, name=user.name, role=Role(user.role), phone=user.phone,
        is_active=user.is_active, created_at=user.created_at,
        date_of_birth=user.date_of_birth, has_password=user.password_hash is not None,
        disabled_reason=user.disabled_reason, erased=user.erased_at is not None,
    )


def _account(user: object) -> AccountView:
    """The view of someone found by, or created with, their e-mail (a login, a registration)."""
    assert isinstance(user, User) and user.email is not None
    return AccountView(
        id=user.id, email=user.email, name=user.name, role=Role(user.role), phone=user.phone,
        is_active=user.is_active, created_at=user.created_at,
        date_of_birth=user.date_of_birth, has_password=user.password_hash is not None,
        disabled_reason=user.disabled_reason, erased=user.erased_at is not None,
    )


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not value:
        raise ValidationError("e-mail is required")
    # The pattern lets anything but "@" and spaces through; an e-mail is shown like a name.
    if refused_character(value) is not None:
        raise ValidationError("e-mail must not contain control characters")
    if len(value) > 254 or not _EMAIL_RE.match(value):
        raise ValidationError(f"not a valid e-mail address: {email.strip()!r}")
    return value


def clean_name(name: str) -> str:
    """A person's name: one line, spaces folded, at most 200 characters."""
    return clean_text(name, label="name", limit=200, required=True)


def _find_by_email(uow: UnitOfWork, email: str, *, lock: bool = False) -> object | None:
    stmt = select(User).where(User.email == email)
    if lock:
        stmt = stmt.with_for_update()
    return uow.session.scalars(stmt).first()


def email_registered(uow: UnitOfWork, email: str) -> bool:
    """Whether an account already uses this (normalised) e-mail."""
    return _find_by_email(uow, email) is not None


def _create_user(
    uow: UnitOfWork, *, email: str, name: str, password: str, role: Role, phone: str | None
) -> object:
    email = normalise_email(email)
    name = clean_name(name)
    phone = clean_text(phone, label="phone", limit=40)
    passwords.check_policy(password, email=email)
    if email_registered(uow, email):
        raise Conflict(f"an account with e-mail {email} already exists")
    now = uow.now()
    user = User(
        email=email, name=name, phone=phone, role=str(role),
        password_hash=passwords.hash_password(password), created_at=now, updated_at=now,
    )
    uow.session.add(user)
    try:
        uow.session.flush()
    except IntegrityError:
        # Two registrations of one e-mail racing: the unique constraint decides.
        raise Conflict(f"an account with e-mail {email} already exists") from None
    return user


def register(
    uow: UnitOfWork, *, email: str, name: str, password: str, phone: str | None = None
) -> AccountView:
    """A patient registers themselves (no login needed)."""
    user = _create_user(
        uow, email=email, name=name, password=password, role=Role.PATIENT, phone=phone
    )
    view = _account(user)
    audit.record(
        uow, actor=Actor(view.id, view.role, view.email), action="user.registered",
        entity_kind="user", entity_id=view.id, data={"role": str(view.role)},
    )
    uow.commit()
    return view


def admin_exists(uow: UnitOfWork) -> bool:
    return bool(uow.session.scalar(select(exists().where(has_role(User.role, Role.ADMIN)))))


def create_admin(
    uow: UnitOfWork, *, actor: Actor, email: str, name: str, password: str
) -> AccountView:
    """The first admin may be created by anyone at the console; later ones only by an admin."""
    # Serialise "first admin" checks so two racing consoles can't both bootstrap.
    uow.session.execute(text("SELECT pg_advisory_xact_lock(7263542)"))
    first = not admin_exists(uow)
    if not first:
        require(actor, Permission.USERS_CREATE_ADMIN)
    user = _create_user(
        uow, email=email, name=name, password=password, role=Role.ADMIN, phone=None
    )
    view = _account(user)
    audit.record(
        uow, actor=actor if not actor.is_anonymous else Actor(view.id, view.role, view.email),
        action="admin.created", entity_kind="user", entity_id=view.id, data={"first": first},
    )
    uow.commit()
    return view


def create_staff(
    uow: UnitOfWork, *, actor: Actor, email: str, name: str, password: str, role: Role
) -> AccountView:
    """An admin creates a receptionist (doctors join by invite, admins by create_admin)."""
    require(actor, Permission.USERS_CREATE_ADMIN)
    if not Role(role).is_receptionist:
        raise ValidationError("only receptionists are created this way")
    user = _create_user(uow, email=email, name=name, password=password, role=role, phone=None)
    view = _account(user)
    audit.record(
        uow, actor=actor, action="user.created", entity_kind="user", entity_id=view.id,
        data={"role": str(role)},
    )
    uow.commit()
    return view


def _issue_session(uow: UnitOfWork, user_id: int, family_id: uuid.UUID) -> tuple[str, str, object]:
    now = uow.now()
    access = tokens.new_token(tokens.ACCESS_PREFIX)
    refresh_token = tokens.new_token(tokens.REFRESH_PREFIX)
    row = AuthSession(
        id=uuid.uuid4(), user_id=user_id, family_id=family_id,
        access_hash=tokens.digest(access), refresh_hash=tokens.digest(refresh_token),
        access_expires_at=now + ACCESS_TTL, refresh_expires_at=now + REFRESH_TTL,
        created_at=now,
    )
    uow.session.add(row)
    return access, refresh_token, row


@dataclass(frozen=True)
class ThrottlePolicy:
    """`threshold` failures within `window` start a refusal of `first_delay`; while a refusal
    is on or ended less than `window` ago, each further failure doubles it, up to `max_delay`.
    A quiet `window` (or, per origin, a success) ends the run."""

    threshold: int
    window: timedelta
    first_delay: timedelta
    max_delay: timedelta

    def delay(self, strikes: int) -> timedelta:
        doublings = max(0, min(strikes - 1, 20))  # capped long before timedelta overflows
        return min(self.first_delay * (1 << doublings), self.max_delay)


#: One e-mail from one origin: the receptionist who mistypes five times waits 30 seconds.
PER_ORIGIN = ThrottlePolicy(
    threshold=5, window=timedelta(minutes=15),
    first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15),
)
#: One e-mail from all origins together. Origins are told by the client's environment (each SSH
#: client address is one; a shell user can name any), so without this cap guessing would be
#: unlimited; origins that logged in to the e-mail lately are exempt, so reaching it still
#: can't lock the desk out.
PER_ACCOUNT = ThrottlePolicy(
    threshold=50, window=timedelta(hours=1),
    first_delay=timedelta(minutes=15), max_delay=timedelta(hours=1),
)
#: How long a successful login makes its origin trusted for that e-mail (and keeps idle rows).
TRUSTED_FOR = timedelta(days=30)
#: The origin of an e-mail's all-origins row; `clean_origin` never produces it.
ALL_ORIGINS = "*"
_PRUNE_BATCH = 100


def _wait_text(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def throttled_from_origin_message(wait: timedelta) -> str:
    return f"too many failed logins from this terminal; try again in {_wait_text(wait)}"


def throttled_account_message(wait: timedelta) -> str:
    return f"too many failed logins for this e-mail; try again in {_wait_text(wait)}"


def _email_key(email: str) -> str:
    """A digest of the normalised e-mail: the same for a registered e-mail and an unknown one.

    Not a secret against someone who guesses addresses (the audit log names them anyway); it
    keeps the throttle table from being a readable list of every address anyone typed.
    """
    return hashlib.sha256(b"doctorbook login throttle\0" + email.encode()).hexdigest()


def _serialise_attempts(uow: UnitOfWork, key: str) -> None:
    """Attempts at one e-mail take turns (until commit), so a burst can't outrun the count;
    unknown e-mails queue exactly like registered ones."""
    lock_id = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
    uow.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def _throttle_rows(
    uow: UnitOfWork, key: str, origin: str, now: datetime
) -> tuple[LoginThrottle, LoginThrottle]:
    """This origin's row and the all-origins row of the e-mail, new (unsaved) ones if none."""
    found = {
        row.origin: row
        for row in uow.session.scalars(
            select(LoginThrottle).where(
                LoginThrottle.email_key == key, LoginThrottle.origin.in_([origin, ALL_ORIGINS])
            )
        )
    }

    def row(name: str) -> LoginThrottle:
        return found.get(name) or LoginThrottle(
            email_key=key, origin=name, failed_at=[], strikes=0, updated_at=now
        )

    return row(origin), row(ALL_ORIGINS)


def _refused_for(row: LoginThrottle, now: datetime) -> timedelta | None:
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until - now
    return None


def _count_failure(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> timedelta | None:
    """Add one failure to `row`; the refusal it starts, if it starts one."""
    recent = [t for t in row.failed_at if t > now - policy.window] + [now]
    row.failed_at = recent[-policy.threshold :]
    row.updated_at = now
    in_run = (
        row.strikes > 0 and row.locked_until is not None
        and now - row.locked_until < policy.window
    )
    if len(recent) < policy.threshold and not in_run:
        row.strikes = 0
        return None
    row.strikes += 1
    delay = policy.delay(row.strikes)
    row.locked_until = now + delay
    return delay


def _password_matches(user: User | None, password: str) -> bool:
    """One argon2 verification whatever the account: none, no password yet, or disabled."""
    if user is None or user.password_hash is None:
        # Against a dummy hash of the same cost, so timing doesn't tell these apart.
        passwords.burn_verify_time(password)
        return False
    return passwords.verify_password(user.password_hash, password) and user.is_active


def _prune_throttles(uow: UnitOfWork, now: datetime) -> None:
    """Forget a few rows idle for longer than any refusal or trust lasts (typos, probes)."""
    idle = (
        select(LoginThrottle.email_key, LoginThrottle.origin)
        .where(LoginThrottle.updated_at < now - TRUSTED_FOR)
        .limit(_PRUNE_BATCH)
    )
    uow.session.execute(
        delete(LoginThrottle).where(tuple_(LoginThrottle.email_key, LoginThrottle.origin).in_(idle))
    )


def login(
    uow: UnitOfWork, *, email: str, password: str, origin: str | None = None
) -> LoginResult:
    """Check the password and issue a token pair; failures are throttled per (e-mail, origin).

    `origin` names where the attempt comes from (None: this process's SSH client, terminal and
    OS user). Five failures within 15 minutes from one origin refuse that e-mail from that
    origin only, 30 seconds at first, doubling up to 15 minutes; fifty from all origins within
    an hour refuse it for an hour at most, except from origins that logged in to it lately.
    Unknown e-mails are counted, refused and answered exactly like registered ones.
    """
    try:
        email = normalise_email(email)
    except ValidationError:
        # Never an account: nothing to count or to tell apart.
        passwords.burn_verify_time(password)
        raise AuthenticationError(BAD_CREDENTIALS) from None
    where = current_origin() if origin is None else clean_origin(origin)
    now = uow.now()
    key = _email_key(email)
    _serialise_attempts(uow, key)
    pair, account = _throttle_rows(uow, key, where, now)
    trusted = pair.last_success_at is not None and now - pair.last_success_at < TRUSTED_FOR
    # Refused before the user is looked up or the password checked: no guess is tried, the
    # answer can't depend on the account, and a flood of refusals costs no argon2 time.
    wait = _refused_for(pair, now)
    if wait is not None:
        raise AccountLocked(throttled_from_origin_message(wait))
    wait = None if trusted else _refused_for(account, now)
    if wait is not None:
        raise AccountLocked(throttled_account_message(wait))

    user = _find_by_email(uow, email)
    assert user is None or isinstance(user, User)
    if not _password_matches(user, password):
        anon = Actor.anonymous()
        user_id = None if user is None else user.id
        pair_delay = _count_failure(pair, PER_ORIGIN, now)
        account_delay = _count_failure(account, PER_ACCOUNT, now)
        uow.session.add_all([pair, account])
        failed: dict[str, Any] = {"email": email, "origin": where, "failures": len(pair.failed_at)}
        if user is None:
            failed["reason"] = "unknown"
        audit.record(uow, actor=anon, action="login.failed", entity_kind="user",
                     entity_id=user_id, data=failed)
        for scope, bucket, delay in (("origin", pair, pair_delay),
                                     ("account", account, account_delay)):
            if delay is not None:
                # Never the password; the e-mail and origin say who was throttled where.
                audit.record(uow, actor=anon, action="login.throttled", entity_kind="user",
                             entity_id=user_id, data={
                                 "email": email, "origin": where, "scope": scope,
                                 "failures": len(bucket.failed_at),
                                 "seconds": int(delay.total_seconds()),
                                 "until": (now + delay).isoformat(),
                             })
        uow.commit_now()  # the failure must be counted even though we refuse
        if pair_delay is not None:
            raise AccountLocked(throttled_from_origin_message(pair_delay))
        if account_delay is not None and not trusted:
            raise AccountLocked(throttled_account_message(account_delay))
        raise AuthenticationError(BAD_CREDENTIALS)

    assert user is not None and user.password_hash is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    # A success from this origin ends its run and makes it trusted; the all-origins row keeps
    # counting, or one good login would hand a distributed guesser a fresh allowance.
    pair.failed_at = []
    pair.strikes = 0
    pair.locked_until = None
    pair.last_success_at = now
    pair.updated_at = now
    uow.session.add(pair)
    _prune_throttles(uow, now)
    access, refresh_token, row = _issue_session(uow, user.id, uuid.uuid4())
    assert isinstance(row, AuthSession)
    view = _account(user)
    audit.record(uow, actor=Actor(view.id, view.role, view.email), action="login.succeeded",
                 entity_kind="session", entity_id=str(row.id))
    uow.commit()
    return LoginResult(access, refresh_token, row.access_expires_at, row.refresh_expires_at, view)


def login_replacing(
    uow: UnitOfWork, *, email: str, password: str, previous_access_token: str | None = None,
    previous_refresh_token: str | None = None, origin: str | None = None,
) -> LoginResult:
    """`login`, and the session it replaces (a client's stored login, given by either token)
    ended with it: one action, so the old login never outlives the new one, and a refused
    login leaves it as it was."""
    result = login(uow, email=email, password=password, origin=origin)
    logout(uow, access_token=previous_access_token, refresh_token=previous_refresh_token)
    return result


def register_and_login(
    uow: UnitOfWork, *, email: str, name: str, password: str, origin: str | None = None
) -> LoginResult:
    """A patient registers and is logged in at once (the apps' "create account"): one user
    action, one unit of work. The new account is `result.user`."""
    user = register(uow, email=email, name=name, password=password)
    return login(uow, email=user.email, password=password, origin=origin)


def refresh(uow: UnitOfWork, *, refresh_token: str) -> LoginResult:
    """Rotate: the presented refresh token is spent and a new pair issued in the same family.

    Presenting a spent token means it was copied: the whole family is revoked.
    """
    now = uow.now()
    session = uow.session.scalars(
        select(AuthSession)
        .where(AuthSession.refresh_hash == tokens.digest(refresh_token))
        .with_for_update()
    ).first()
    if session is None:
        raise AuthenticationError("not logged in or the session has ended; log in again")
    user = uow.session.get(User, session.user_id)
    assert user is not None
    if session.rotated_at is not None:
        uow.session.execute(
            update(AuthSession)
            .where(AuthSession.family_id == session.family_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="refresh_reuse")
        )
        audit.record(uow, actor=Actor(user.id, Role(user.role), user.email),
                     action="session.refresh_reuse", entity_kind="session_family",
                     entity_id=str(session.family_id))
        uow.commit_now()  # the whole login ends even though this refresh is refused
        raise AuthenticationError(
            "this refresh token was already used; every session of this login was ended "
            "for safety, log in again"
        )
    if session.revoked_at is not None or not user.is_active:
        raise AuthenticationError("the session has ended; log in again")
    if session.refresh_expires_at <= now:
        raise AuthenticationError("the session has expired; log in again")
    session.rotated_at = now
    session.revoked_at = now
    session.revoked_reason = "rotated"
    access, new_refresh, row = _issue_session(uow, user.id, session.family_id)
    assert isinstance(row, AuthSession)
    uow.commit()
    return LoginResult(access, new_refresh, row.access_expires_at, row.refresh_expires_at,
                       _account(user))


def logout(
    uow: UnitOfWork, *, access_token: str | None = None, refresh_token: str | None = None
) -> bool:
    """Revoke the session behind either token; False if there was nothing to revoke."""
    conditions = []
    if access_token:
        conditions.append(AuthSession.access_hash == tokens.digest(access_token))
    if refresh_token:
        conditions.append(AuthSession.refresh_hash == tokens.digest(refresh_token))
    if not conditions:
        return False
    session = uow.session.scalars(
        select(AuthSession).where(or_(*conditions), AuthSession.revoked_at.is_(None))
    ).first()
    if session is None:
        return False
    session.revoked_at = uow.now()
    session.revoked_reason = "logout"
    user = uow.session.get(User, session.user_id)
    assert user is not None
    audit.record(uow, actor=Actor(user.id, Role(user.role), user.email), action="session.logout",
                 entity_kind="session", entity_id=str(session.id))
    uow.commit()
    return True


def set_active(uow: UnitOfWork, *, actor: Actor, user_id: int, active: bool) -> UserView:
    """Disable (revoking every session) or re-enable an account."""
    require(actor, Permission.USERS_DISABLE)
    user = uow.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.id == actor.user_id and not active:
        raise ValidationError("you cannot disable your own account")
    now = uow.now()
    user.is_active = active
    user.updated_at = now
    if not active:
        uow.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="user_disabled")
        )
    audit.record(uow, actor=actor, action="user.enabled" if active else "user.disabled",
                 entity_kind="user", entity_id=user.id)
    view = _view(user)
    uow.commit()
    return view
