"""Who a token belongs to, and who they are: the reads of every command, in Core SQL (no ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text

from doctorbook.core.base import tokens
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import AuthenticationError, NotFound
from doctorbook.core.base.rbac import Actor, Role

# Plain SQL over the tables the account models map (core/base/account_models.py): every
# command authenticates first, and `doctorbook whoami` needs nothing else, so this path must
# not import sqlalchemy.orm or the models (tests/cli/test_startup.py holds it to that).

_SESSION_SQL = text(
    "SELECT s.id, s.revoked_at, s.access_expires_at, u.id AS user_id, u.role, u.email, "
    "u.is_active "
    "FROM sessions AS s JOIN users AS u ON u.id = s.user_id "
    "WHERE s.access_hash = :access_hash"
)

_USER_SQL = text(
    "SELECT id, email, name, role, phone, is_active, created_at, date_of_birth, "
    "password_hash IS NOT NULL AS has_password, disabled_reason, "
    "erased_at IS NOT NULL AS erased "
    "FROM users WHERE id = :id"
)


class SessionExpired(AuthenticationError):
    """The access token is past its 15 minutes; the refresh token may still renew it."""

    kind = "expired"


@dataclass(frozen=True)
class UserView:
    id: int
    #: None for a walk-in patient the desk created without one (known by phone or birth date).
    email: str | None
    name: str
    role: Role
    phone: str | None
    is_active: bool
    created_at: datetime
    date_of_birth: date | None = None
    #: False for a record the desk created whose owner has not set a password yet.
    has_password: bool = True
    #: Why an admin disabled the account (None while it is active).
    disabled_reason: str | None = None
    #: An admin erased the person: the name and contact details are placeholders.
    erased: bool = False


@dataclass(frozen=True)
class AccountView(UserView):
    """Someone who logs in (or just set up how to): the e-mail is their login, so there is one.

    Only a walk-in patient the desk created may lack an e-mail, and such a record has no
    password and no session until the desk adds an address (users' CHECK email_or_walk_in)."""

    email: str


def authenticate(uow: UnitOfWork, *, access_token: str) -> Actor:
    """The actor behind an access token; refuses expired, revoked and disabled sessions."""
    found = uow.execute(_SESSION_SQL, {"access_hash": tokens.digest(access_token)}).first()
    if found is None:
        raise AuthenticationError("not logged in or the session has ended; log in again")
    if found.revoked_at is not None or not found.is_active:
        raise AuthenticationError("the session has ended; log in again")
    if found.access_expires_at <= uow.now():
        raise SessionExpired("the session has expired; log in again")
    return Actor(found.user_id, Role(found.role), found.email, str(found.id))


def whoami(uow: UnitOfWork, *, actor: Actor) -> AccountView:
    if actor.is_anonymous:
        raise AuthenticationError("you are not logged in; run `doctorbook login` first")
    row = uow.execute(_USER_SQL, {"id": actor.user_id}).first()
    if row is None:
        raise NotFound("your account no longer exists")
    return AccountView(
        id=row.id, email=row.email, name=row.name, role=Role(row.role), phone=row.phone,
        is_active=row.is_active, created_at=row.created_at, date_of_birth=row.date_of_birth,
        has_password=row.has_password, disabled_reason=row.disabled_reason, erased=row.erased,
    )
