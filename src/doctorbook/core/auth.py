"""Accounts and sessions: registration, login with lockout, rotating refresh, logout."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from doctorbook.core import audit, passwords, tokens
from doctorbook.core.db import UnitOfWork
from doctorbook.core.errors import (
    AccountLocked,
    AuthenticationError,
    Conflict,
    NotFound,
    ValidationError,
)
from doctorbook.core.rbac import Actor, Permission, Role, require
from doctorbook.core.text import clean_text, refused_character

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
LOCKOUT_THRESHOLD = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)

#: One message for unknown e-mail, wrong password and disabled account: no enumeration.
BAD_CREDENTIALS = "wrong e-mail or password"

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class SessionExpired(AuthenticationError):
    """The access token is past its 15 minutes; the refresh token may still renew it."""

    kind = "expired"


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    name: str
    role: Role
    phone: str | None
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class LoginResult:
    """The token pair handed to the client once; only their digests are stored."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    user: UserView


def _view(user: object) -> UserView:
    from doctorbook.core.account_models import User

    assert isinstance(user, User)
    return UserView(
        id=user.id, email=user.email, name=user.name, role=Role(user.role), phone=user.phone,
        is_active=user.is_active, created_at=user.created_at,
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
    from sqlalchemy import select

    from doctorbook.core.account_models import User

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
    from sqlalchemy.exc import IntegrityError

    from doctorbook.core.account_models import User

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
) -> UserView:
    """A patient registers themselves (no login needed)."""
    user = _create_user(
        uow, email=email, name=name, password=password, role=Role.PATIENT, phone=phone
    )
    view = _view(user)
    audit.record(
        uow, actor=Actor(view.id, view.role, view.email), action="user.registered",
        entity_kind="user", entity_id=view.id, data={"role": str(view.role)},
    )
    uow.commit()
    return view


def admin_exists(uow: UnitOfWork) -> bool:
    from sqlalchemy import exists, select

    from doctorbook.core.account_models import User

    return bool(uow.session.scalar(select(exists().where(User.role == str(Role.ADMIN)))))


def create_admin(
    uow: UnitOfWork, *, actor: Actor, email: str, name: str, password: str
) -> UserView:
    """The first admin may be created by anyone at the console; later ones only by an admin."""
    from sqlalchemy import text

    # Serialise "first admin" checks so two racing consoles can't both bootstrap.
    uow.session.execute(text("SELECT pg_advisory_xact_lock(7263542)"))
    first = not admin_exists(uow)
    if not first:
        require(actor, Permission.USERS_CREATE_ADMIN)
    user = _create_user(
        uow, email=email, name=name, password=password, role=Role.ADMIN, phone=None
    )
    view = _view(user)
    audit.record(
        uow, actor=actor if not actor.is_anonymous else Actor(view.id, view.role, view.email),
        action="admin.created", entity_kind="user", entity_id=view.id, data={"first": first},
    )
    uow.commit()
    return view


def create_staff(
    uow: UnitOfWork, *, actor: Actor, email: str, name: str, password: str, role: Role
) -> UserView:
    """An admin creates a receptionist (doctors join by invite, admins by create_admin)."""
    require(actor, Permission.USERS_CREATE_ADMIN)
    if role not in (Role.RECEPTIONIST,):
        raise ValidationError("only receptionists are created this way")
    user = _create_user(uow, email=email, name=name, password=password, role=role, phone=None)
    view = _view(user)
    audit.record(
        uow, actor=actor, action="user.created", entity_kind="user", entity_id=view.id,
        data={"role": str(role)},
    )
    uow.commit()
    return view


def _issue_session(uow: UnitOfWork, user_id: int, family_id: uuid.UUID) -> tuple[str, str, object]:
    from doctorbook.core.account_models import AuthSession

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


def _recent_failures(uow: UnitOfWork, user_id: int, now: datetime) -> int:
    """Failed logins in the sliding 15-minute window, after the last success or lock.

    Counted from the audit log (ordered by id, so one instant's events still have an order);
    the caller holds the user row locked, so concurrent attempts count one after another.
    """
    from sqlalchemy import and_, func, or_, select

    from doctorbook.core.account_models import AuditEntry

    reset_id = (
        select(func.coalesce(func.max(AuditEntry.id), 0))
        .where(
            or_(
                and_(AuditEntry.action == "login.succeeded", AuditEntry.actor_id == user_id),
                and_(AuditEntry.action == "login.locked", AuditEntry.entity_kind == "user",
                     AuditEntry.entity_id == str(user_id)),
            )
        )
        .scalar_subquery()
    )
    stmt = select(func.count()).where(
        AuditEntry.action == "login.failed",
        AuditEntry.entity_kind == "user",
        AuditEntry.entity_id == str(user_id),
        AuditEntry.at > now - LOCKOUT_WINDOW,
        AuditEntry.id > reset_id,
    )
    return int(uow.session.scalar(stmt) or 0)


def login(uow: UnitOfWork, *, email: str, password: str) -> LoginResult:
    """Check the password; count failures; lock after 5 in 15 minutes; issue a token pair."""
    from doctorbook.core.account_models import AuthSession, User

    try:
        email = normalise_email(email)
    except ValidationError:
        passwords.burn_verify_time(password)
        raise AuthenticationError(BAD_CREDENTIALS) from None
    now = uow.now()
    user = _find_by_email(uow, email, lock=True)
    if user is None:
        passwords.burn_verify_time(password)
        audit.record(uow, actor=Actor.anonymous(), action="login.failed",
                     entity_kind="user", data={"email": email, "reason": "unknown"})
        uow.commit()
        raise AuthenticationError(BAD_CREDENTIALS)
    assert isinstance(user, User)
    anon = Actor.anonymous()
    if user.locked_until is not None and user.locked_until > now:
        passwords.burn_verify_time(password)
        minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
        raise AccountLocked(
            f"too many failed logins; the account is locked, try again in {minutes} min"
        )
    ok = (
        user.password_hash is not None
        and passwords.verify_password(user.password_hash, password)
        and user.is_active
    )
    if not ok:
        failures = _recent_failures(uow, user.id, now) + 1
        audit.record(uow, actor=anon, action="login.failed", entity_kind="user",
                     entity_id=user.id, data={"email": email, "failures": failures})
        locked = failures >= LOCKOUT_THRESHOLD
        if locked:
            user.locked_until = now + LOCKOUT_DURATION
            audit.record(uow, actor=anon, action="login.locked", entity_kind="user",
                         entity_id=user.id, data={"until": user.locked_until.isoformat()})
        user.updated_at = now
        uow.commit()  # the failure must be counted even though we refuse
        if locked:
            raise AccountLocked(
                "too many failed logins; the account is locked, try again in "
                f"{int(LOCKOUT_DURATION.total_seconds() // 60)} min"
            )
        raise AuthenticationError(BAD_CREDENTIALS)
    assert user.password_hash is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.locked_until = None
    access, refresh_token, row = _issue_session(uow, user.id, uuid.uuid4())
    assert isinstance(row, AuthSession)
    view = _view(user)
    audit.record(uow, actor=Actor(view.id, view.role, view.email), action="login.succeeded",
                 entity_kind="session", entity_id=str(row.id))
    uow.commit()
    return LoginResult(access, refresh_token, row.access_expires_at, row.refresh_expires_at, view)


def authenticate(uow: UnitOfWork, *, access_token: str) -> Actor:
    """The actor behind an access token; refuses expired, revoked and disabled sessions."""
    from sqlalchemy import select

    from doctorbook.core.account_models import AuthSession, User

    found = uow.session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.access_hash == tokens.digest(access_token))
    ).first()
    if found is None:
        raise AuthenticationError("not logged in or the session has ended; log in again")
    session, user = found
    if session.revoked_at is not None or not user.is_active:
        raise AuthenticationError("the session has ended; log in again")
    if session.access_expires_at <= uow.now():
        raise SessionExpired("the session has expired; log in again")
    return Actor(user.id, Role(user.role), user.email, str(session.id))


def refresh(uow: UnitOfWork, *, refresh_token: str) -> LoginResult:
    """Rotate: the presented refresh token is spent and a new pair issued in the same family.

    Presenting a spent token means it was copied: the whole family is revoked.
    """
    from sqlalchemy import select, update

    from doctorbook.core.account_models import AuthSession, User

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
        uow.commit()
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
                       _view(user))


def logout(
    uow: UnitOfWork, *, access_token: str | None = None, refresh_token: str | None = None
) -> bool:
    """Revoke the session behind either token; False if there was nothing to revoke."""
    from sqlalchemy import or_, select

    from doctorbook.core.account_models import AuthSession, User

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


def whoami(uow: UnitOfWork, *, actor: Actor) -> UserView:
    from doctorbook.core.account_models import User

    if actor.is_anonymous:
        raise AuthenticationError("you are not logged in; run `doctorbook login` first")
    user = uow.session.get(User, actor.user_id)
    if user is None:
        raise NotFound("your account no longer exists")
    return _view(user)


def set_active(uow: UnitOfWork, *, actor: Actor, user_id: int, active: bool) -> UserView:
    """Disable (revoking every session) or re-enable an account."""
    from sqlalchemy import update

    from doctorbook.core.account_models import AuthSession, User

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
