"""Accounts the clinic runs itself: staff by invitation, forgotten and changed passwords,
patients the desk created setting their first password, and disabling accounts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from doctorbook.core.accounts import auth, invitations, passwords, patients
from doctorbook.core.base import audit, tokens
from doctorbook.core.base.account_models import AccountToken, AuthSession, User
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PolicyViolation,
    ValidationError,
)
from doctorbook.core.base.models import Invite
from doctorbook.core.base.rbac import (
    STAFF_ROLES,
    Actor,
    Permission,
    Role,
    has_role,
    is_staff_role,
    require,
)
from doctorbook.core.base.text import clean_text
from doctorbook.core.mail import outbox

if TYPE_CHECKING:
    from sqlalchemy import Update


RESET_PREFIX = "dbp_"
ACTIVATION_PREFIX = "dbv_"
EMAIL_PREFIX = "dbe_"
EMAIL_CHANGE_TTL = timedelta(hours=24)
RESET_TTL = timedelta(minutes=30)
ACTIVATION_TTL = timedelta(hours=72)
#: Reset e-mails per account per hour; more requests are dropped (and audited), silently.
MAX_RESETS_PER_HOUR = 3
REASON_LIMIT = 500
#: The one answer `password forgot` gives, whether or not the address has an account.
FORGOT_ANSWER = ("if an account uses that address, a reset e-mail is on its way; "
                 "its code works once, for 30 minutes")


class Purpose(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password
    ACTIVATION = "activation"
    EMAIL_CHANGE = "email_change"


class StaffStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    INVITED = "invited"
    INVITE_EXPIRED = "invite expired"


@dataclass(frozen=True)
class StaffView:
    """A receptionist or admin, or an invitation not yet accepted (user_id None)."""

    user_id: int | None
    email: str
    name: str
    role: Role
    status: StaffStatus
    since: datetime
    disabled_reason: str | None = None
    invite_expires_at: datetime | None = None


@dataclass(frozen=True)
class PasswordSet:
    """A password set from an e-mailed token; every earlier login of the account ended."""

    user: auth.AccountView
    sessions_ended: int
    activated: bool


def who(user: User) -> str:
    """How a refusal names an account: its e-mail, or a walk-in patient's name (no e-mail)."""
    return user.email if user.email is not None else user.name


def _staff_email(user: User) -> str:
    # Staff log in by e-mail: the users CHECK email_or_walk_in lets only a patient lack one.
    assert user.email is not None
    return user.email


# --- staff -----------------------------------------------------------------------------------


def invite_staff(
    uow: UnitOfWork, *, actor: Actor, email: str, name: str, role: Role,
    ttl: timedelta = invitations.DEFAULT_TTL,
) -> invitations.InviteView:
    """An admin invites a receptionist or another admin: a one-time token goes by e-mail
    (the doctors' rules: 256 bits, stored hashed, single use, 72 h, replaced by a new one)."""
    require(actor, Permission.STAFF_MANAGE)
    if not is_staff_role(role):
        raise ValidationError("staff are receptionists or admins (doctors: doctorbook invite)")
    email = auth.normalise_email(email)
    name = auth.clean_name(name)
    view = invitations.create_invite(uow, actor=actor, email=email, name=name, specialty_ids=[],
                                  ttl=ttl, request_id=None, role=role)
    uow.commit()
    return view


def resend_staff_invite(uow: UnitOfWork, *, actor: Actor, email: str) -> invitations.InviteView:
    """A new invitation (and token) for someone invited before; the old token stops working."""
    require(actor, Permission.STAFF_MANAGE)
    email = auth.normalise_email(email)
    last = uow.session.scalars(
        select(Invite).where(Invite.email == email, has_role(Invite.role, *STAFF_ROLES))
        .order_by(Invite.created_at.desc(), Invite.id.desc()).limit(1)
    ).first()
    if last is None:
        raise NotFound(f"no staff invitation for {email}; add them first")
    if last.used_at is not None:
        raise Conflict(f"{email} already accepted the invitation")
    view = invitations.create_invite(uow, actor=actor, email=email, name=last.name,
                                  specialty_ids=[], ttl=invitations.DEFAULT_TTL, request_id=None,
                                  role=Role(last.role))
    uow.commit()
    return view


def list_staff(uow: UnitOfWork, *, actor: Actor) -> list[StaffView]:
    """Receptionists and admins, then invitations nobody accepted yet (newest first)."""
    require(actor, Permission.STAFF_MANAGE)
    views = [
        StaffView(user.id, _staff_email(user), user.name, Role(user.role),
                  StaffStatus.ACTIVE if user.is_active else StaffStatus.DISABLED,
                  user.created_at, user.disabled_reason)
        for user in uow.session.scalars(
            select(User).where(has_role(User.role, *STAFF_ROLES)).order_by(User.name, User.id))
    ]
    known = {v.email for v in views}
    now = uow.now()
    pending = uow.session.scalars(
        select(Invite).where(has_role(Invite.role, *STAFF_ROLES), Invite.used_at.is_(None),
                             Invite.revoked_at.is_(None))
        .order_by(Invite.created_at.desc(), Invite.id.desc())
    )
    for invite in pending:
        if invite.email in known:
            continue
        status = StaffStatus.INVITED if invite.expires_at > now else StaffStatus.INVITE_EXPIRED
        views.append(StaffView(None, invite.email, invite.name, Role(invite.role), status,
                               invite.created_at, invite_expires_at=invite.expires_at))
    return views


def locked_patient(uow: UnitOfWork, patient_id: int) -> User:
    """The patient `patient_id`, locked for the caller's change; "no patient N" for any other
    id (a staff account's, an unknown one, one out of range), so the desk learns nothing
    about who else has an account."""
    if isinstance(patient_id, bool) or not isinstance(patient_id, int) \
            or not 0 < patient_id < 2**63:
        raise NotFound(f"no patient {patient_id}")
    user = uow.session.get(User, patient_id, with_for_update=True)
    if user is None or not Role(user.role).is_patient:
        raise NotFound(f"no patient {patient_id}")
    return user


def _user_by_ref(uow: UnitOfWork, ref: str | int, *, lock: bool = True) -> User:
    """An account by id or e-mail address."""
    query = select(User)
    text_ref = str(ref).strip()
    if isinstance(ref, int) or text_ref.isdigit():
        user_id = int(text_ref)
        if not 0 < user_id < 2**63:
            raise NotFound(f"no account {text_ref}")
        query = query.where(User.id == user_id)
    else:
        query = query.where(User.email == auth.normalise_email(text_ref))
    if lock:
        query = query.with_for_update()
    user = uow.session.scalars(query).first()
    if user is None:
        raise NotFound(f"no account {text_ref}")
    return user


def _set_active(
    uow: UnitOfWork, *, actor: Actor, user: User, active: bool, reason: str | None,
) -> auth.UserView:
    now = uow.now()
    if not active:
        if user.id == actor.user_id:
            raise PolicyViolation("you cannot disable your own account")
        reason = clean_text(reason, label="reason", limit=REASON_LIMIT)
        if not reason:
            raise ValidationError("say why: the reason is shown to the other admins")
        if Role(user.role).is_admin and user.is_active:
            # Serialise admin disables, so two admins can't disable each other at once.
            uow.session.execute(select(func.pg_advisory_xact_lock(7263543)))
            others = uow.session.scalar(
                select(func.count()).select_from(User).where(
                    has_role(User.role, Role.ADMIN), User.is_active, User.id != user.id))
            if not others:
                raise PolicyViolation(f"{who(user)} is the last active admin; "
                                      "invite or enable another admin first")
    changed = user.is_active != active
    user.is_active = active
    user.disabled_reason = None if active else reason
    user.updated_at = now
    ended = 0
    if not active:
        ended = _count(uow, update(AuthSession)
                       .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                       .values(revoked_at=now, revoked_reason="user_disabled"))
        _revoke_tokens(uow, user.id, None, now)
    if changed or not active:
        data: dict[str, object] = {"role": user.role}
        if not active:
            data["sessions_ended"] = ended
        audit.record(uow, actor=actor, action="user.enabled" if active else "user.disabled",
                     entity_kind="user", entity_id=user.id, data=data)
    return auth._view(user)


def set_staff_active(
    uow: UnitOfWork, *, actor: Actor, ref: str | int, active: bool, reason: str | None = None,
) -> auth.UserView:
    """Disable (every session ends at once) or enable a receptionist or an admin. The last
    active admin can't be disabled."""
    require(actor, Permission.STAFF_MANAGE)
    user = _user_by_ref(uow, ref)
    if not is_staff_role(user.role):
        where = "doctorbook patients disable" if Role(user.role).is_patient else \
            "doctorbook doctors suspend"
        raise ValidationError(f"{who(user)} is a {user.role}, not staff; use {where}")
    view = _set_active(uow, actor=actor, user=user, active=active, reason=reason)
    uow.commit()
    return view


def set_patient_active(
    uow: UnitOfWork, *, actor: Actor, ref: str | int, active: bool, reason: str | None = None,
) -> auth.UserView:
    """Disable a patient's account (abuse) or enable it again. Their visits stay, and the desk
    can still book for them; they can't log in meanwhile."""
    require(actor, Permission.USERS_DISABLE)
    user = _user_by_ref(uow, ref)
    if not Role(user.role).is_patient:
        raise ValidationError(f"{who(user)} is a {user.role}, not a patient")
    view = _set_active(uow, actor=actor, user=user, active=active, reason=reason)
    uow.commit()
    return view


def _count(uow: UnitOfWork, statement: Update) -> int:
    """Run an UPDATE of sessions; how many rows it changed."""
    return len(uow.session.execute(statement.returning(AuthSession.id)).all())


# --- one-time tokens: reset and activation ---------------------------------------------------


def _revoke_tokens(uow: UnitOfWork, user_id: int, purpose: Purpose | None, now: datetime) -> None:
    query = update(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None))
    if purpose is not None:
        query = query.where(AccountToken.purpose == str(purpose))
    uow.session.execute(query.values(revoked_at=now))


_TOKEN_KINDS = {
    Purpose.PASSWORD_RESET: (RESET_PREFIX, RESET_TTL),
    Purpose.ACTIVATION: (ACTIVATION_PREFIX, ACTIVATION_TTL),
    Purpose.EMAIL_CHANGE: (EMAIL_PREFIX, EMAIL_CHANGE_TTL),
}


def _issue_token(
    uow: UnitOfWork, user: User, purpose: Purpose, *, new_email: str | None = None,
) -> tuple[str, AccountToken]:
    now = uow.now()
    _revoke_tokens(uow, user.id, purpose, now)  # a new e-mail replaces the last one's code
    prefix, ttl = _TOKEN_KINDS[purpose]
    token = tokens.new_token(prefix)
    row = AccountToken(user_id=user.id, purpose=str(purpose), token_hash=tokens.digest(token),
                       new_email=new_email, created_at=now, expires_at=now + ttl)
    uow.session.add(row)
    uow.session.flush()
    return token, row


def _mail_token(uow: UnitOfWork, user: User, token: str, row: AccountToken) -> int:
    template = "password_reset" if row.purpose == Purpose.PASSWORD_RESET else "account_activation"
    # Callers found the account by its e-mail, or refused one without (_send_activation).
    assert user.email is not None
    return outbox.enqueue(
        uow, kind=template, to=user.email, to_name=user.name, template=template,
        context={"name": user.name, "email": user.email, "token": token,
                 "expires_at": row.expires_at.strftime("%Y-%m-%d %H:%M UTC")},
        entity_kind="user", entity_id=user.id, contains_secret=True,
    )


def request_password_reset(uow: UnitOfWork, *, email: str) -> str:
    """Anyone may ask; the answer (FORGOT_ANSWER) never says whether the address has an account.

    A known, active account gets a reset e-mail (its code: 30 minutes, single use, replacing the
    previous one); past MAX_RESETS_PER_HOUR in an hour requests are dropped and audited."""
    email = auth.normalise_email(email)
    user = uow.session.scalars(
        select(User).where(User.email == email).with_for_update()).first()
    if user is None or not user.is_active:
        return FORGOT_ANSWER
    now = uow.now()
    recent = uow.session.scalar(
        select(func.count()).select_from(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == str(Purpose.PASSWORD_RESET),
            AccountToken.created_at > now - timedelta(hours=1)))
    anonymous = Actor.anonymous()
    if (recent or 0) >= MAX_RESETS_PER_HOUR:
        audit.record(uow, actor=anonymous, action="password.reset_dropped", entity_kind="user",
                     entity_id=user.id, data={"in_last_hour": recent})
        uow.commit()
        return FORGOT_ANSWER
    token, row = _issue_token(uow, user, Purpose.PASSWORD_RESET)
    outbox_id = _mail_token(uow, user, token, row)
    audit.record(uow, actor=anonymous, action="password.reset_requested", entity_kind="user",
                 entity_id=user.id, data={"outbox_id": outbox_id,
                                          "expires_at": row.expires_at.isoformat()})
    uow.commit()
    return FORGOT_ANSWER


def send_activation(uow: UnitOfWork, *, actor: Actor, patient_id: int) -> int:
    """The desk (re)sends "set your password" to a patient it created; returns the outbox id.

    A walk-in without an e-mail is refused: the desk adds one first (patients.set_patient_email,
    which sends it)."""
    require(actor, Permission.PATIENTS_MANAGE)
    user = locked_patient(uow, patient_id)
    outbox_id = _send_activation(uow, actor=actor, user=user)
    uow.commit()
    return outbox_id


def _send_activation(uow: UnitOfWork, *, actor: Actor, user: User) -> int:
    """In the caller's transaction: patients.create_patient sends it with the new record."""
    if user.erased_at is not None:
        raise PolicyViolation(f"patient {user.id} was erased")
    if user.email is None:
        raise PolicyViolation(f"{user.name} has no e-mail address to send it to; "
                              "add their e-mail first")
    if not user.is_active:
        raise PolicyViolation(f"{who(user)}'s account is disabled")
    if user.password_hash is not None:
        raise PolicyViolation(f"{who(user)} already has a password; "
                              "they can use Forgot password on the login screen")
    token, row = _issue_token(uow, user, Purpose.ACTIVATION)
    outbox_id = _mail_token(uow, user, token, row)
    audit.record(uow, actor=actor, action="patient.activation_sent", entity_kind="user",
                 entity_id=user.id, data={"outbox_id": outbox_id,
                                          "expires_at": row.expires_at.isoformat()})
    return outbox_id


def set_password_with_token(uow: UnitOfWork, *, token: str, password: str) -> PasswordSet:
    """Set the password from an e-mailed code (a reset, or a patient's first): single use,
    unexpired, not replaced. Every session of the account ends; the code can't be used again."""
    row = _live_token(uow, token, (Purpose.PASSWORD_RESET, Purpose.ACTIVATION))
    now = uow.now()
    user = uow.session.get(User, row.user_id, with_for_update=True)
    # The code went by e-mail, so the account has an address (none can be removed).
    assert user is not None and user.email is not None
    if not user.is_active:
        raise PolicyViolation("this account is disabled; ask the clinic")
    passwords.check_policy(password, email=user.email)
    activated = row.purpose == Purpose.ACTIVATION
    user.password_hash = passwords.hash_password(password)
    user.updated_at = now
    row.used_at = now
    _revoke_tokens(uow, user.id, None, now)  # every other code of this account too
    ended = _count(uow, update(AuthSession)
                   .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                   .values(revoked_at=now, revoked_reason="password_reset"))
    owner = Actor(user.id, Role(user.role), user.email)
    audit.record(uow, actor=owner,
                 action="account.activated" if activated else "password.reset",
                 entity_kind="user", entity_id=user.id, data={"sessions_ended": ended})
    view = auth._account(user)
    uow.commit()
    return PasswordSet(view, ended, activated)


def _live_token(uow: UnitOfWork, token: str, purposes: tuple[Purpose, ...]) -> AccountToken:
    """The unused, unexpired, unreplaced code of one of these kinds (locked), or a refusal."""
    row = uow.session.scalars(
        select(AccountToken).where(AccountToken.token_hash == tokens.digest(token.strip()))
        .with_for_update()
    ).first()
    if row is None or Purpose(row.purpose) not in purposes:
        raise AuthenticationError("this code is not valid; check the e-mail you got")
    if row.used_at is not None:
        raise PolicyViolation("this code was already used; log in, or ask for a new one")
    if row.revoked_at is not None:
        raise PolicyViolation("this code was replaced by a newer one; use the latest e-mail")
    if row.expires_at <= uow.now():
        again = ("Forgot password?" if row.purpose != Purpose.EMAIL_CHANGE
                 else "doctorbook account email")
        raise PolicyViolation(f"this code has expired; ask for a new one ({again})")
    return row


def change_password(uow: UnitOfWork, *, actor: Actor, current: str, new: str) -> int:
    """The logged-in user changes their password; every other session of theirs ends (this one
    stays). Returns how many ended."""
    require(actor, Permission.ACCOUNT_EDIT_OWN)
    user = uow.session.get(User, actor.user_id, with_for_update=True)
    if user is None:
        raise NotFound("your account no longer exists")
    if user.password_hash is None or not passwords.verify_password(user.password_hash, current):
        raise AuthenticationError("the current password is wrong")
    if new == current:
        raise ValidationError("the new password must differ from the current one")
    passwords.check_policy(new, email=user.email)
    now = uow.now()
    user.password_hash = passwords.hash_password(new)
    user.updated_at = now
    query = update(AuthSession).where(AuthSession.user_id == user.id,
                                      AuthSession.revoked_at.is_(None))
    if actor.session_id is not None:
        query = query.where(AuthSession.id != uuid.UUID(actor.session_id))
    ended = _count(uow, query.values(revoked_at=now, revoked_reason="password_changed"))
    _revoke_tokens(uow, user.id, Purpose.PASSWORD_RESET, now)
    audit.record(uow, actor=actor, action="password.changed", entity_kind="user",
                 entity_id=user.id, data={"sessions_ended": ended})
    uow.commit()
    return ended


# --- own details -----------------------------------------------------------------------------

#: "Leave as it is" for update_own_details (None means "remove").
UNCHANGED: Any = object()


def own_details(uow: UnitOfWork, *, actor: Actor) -> auth.AccountView:
    require(actor, Permission.ACCOUNT_EDIT_OWN)
    return auth.whoami(uow, actor=actor)


def update_own_details(
    uow: UnitOfWork, *, actor: Actor, phone: str | None = UNCHANGED,
    date_of_birth: date | None = UNCHANGED,
) -> auth.UserView:
    """The logged-in person changes their phone and date of birth (None removes one)."""
    require(actor, Permission.ACCOUNT_EDIT_OWN)
    user = uow.session.get(User, actor.user_id, with_for_update=True)
    if user is None:
        raise NotFound("your account no longer exists")
    changed = []
    if phone is not UNCHANGED:
        user.phone = patients.clean_phone(phone)
        changed.append("phone")
    if date_of_birth is not UNCHANGED:
        if date_of_birth is not None:
            today = uow.now().date()
            if date_of_birth > today or date_of_birth.year < 1900:
                raise ValidationError(f"not a date of birth: {date_of_birth.isoformat()}")
        user.date_of_birth = date_of_birth
        changed.append("date_of_birth")
    if not changed:
        raise ValidationError("nothing to change: give --phone and/or --date-of-birth")
    if user.email is None and user.phone is None and user.date_of_birth is None:
        # A record without an e-mail is found by these (users CHECK email_or_walk_in).
        raise ValidationError("keep a phone number or a date of birth: there is no e-mail")
    user.updated_at = uow.now()
    # Which fields, never their values.
    audit.record(uow, actor=actor, action="account.updated", entity_kind="user",
                 entity_id=user.id, data={"fields": changed})
    view = auth._view(user)
    uow.commit()
    return view


def request_email_change(uow: UnitOfWork, *, actor: Actor, new_email: str) -> int:
    """A code goes to the new address; the change happens only when it is confirmed (24 h)."""
    require(actor, Permission.ACCOUNT_EDIT_OWN)
    new_email = auth.normalise_email(new_email)
    user = uow.session.get(User, actor.user_id, with_for_update=True)
    if user is None:
        raise NotFound("your account no longer exists")
    if new_email == user.email:
        raise ValidationError("that is already your e-mail address")
    if auth.email_registered(uow, new_email):
        raise Conflict(f"an account with e-mail {new_email} already exists")
    token, row = _issue_token(uow, user, Purpose.EMAIL_CHANGE, new_email=new_email)
    outbox_id = outbox.enqueue(
        uow, kind="email_change", to=new_email, to_name=user.name, template="email_change",
        context={"name": user.name, "email": new_email, "token": token,
                 "expires_at": row.expires_at.strftime("%Y-%m-%d %H:%M UTC")},
        entity_kind="user", entity_id=user.id, contains_secret=True,
    )
    audit.record(uow, actor=actor, action="account.email_change_requested", entity_kind="user",
                 entity_id=user.id, data={"outbox_id": outbox_id})
    uow.commit()
    return outbox_id


def confirm_email_change(
    uow: UnitOfWork, *, token: str, actor: Actor | None = None,
) -> auth.AccountView:
    """The code from the new address proves it is theirs: the account's e-mail becomes it.

    Given a logged-in actor (the app, the CLI when logged in), the code must be for their own
    account: someone else's code is "not valid" there, as if it didn't exist."""
    row = _live_token(uow, token, (Purpose.EMAIL_CHANGE,))
    if actor is not None and not actor.is_anonymous and row.user_id != actor.user_id:
        raise AuthenticationError("this code is not valid; check the e-mail you got")
    user = uow.session.get(User, row.user_id, with_for_update=True)
    assert user is not None and row.new_email is not None
    if not user.is_active:
        raise PolicyViolation("this account is disabled; ask the clinic")
    if auth.email_registered(uow, row.new_email):
        raise Conflict(f"an account with e-mail {row.new_email} already exists")
    now = uow.now()
    user.email = row.new_email
    user.updated_at = now
    row.used_at = now
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict(f"an account with e-mail {row.new_email} already exists") from None
    owner = Actor(user.id, Role(user.role), user.email)
    audit.record(uow, actor=owner, action="account.email_changed", entity_kind="user",
                 entity_id=user.id)
    view = auth._account(user)
    uow.commit()
    return view
