"""How doctors join: admin invites, self-serve requests an admin approves, accepting a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from doctorbook.core.accounts import auth, passwords

# The token rules live with accounts (staff are invited the same way); a doctor's invite is
# one of them, and callers know its view and token pattern by this module too.
from doctorbook.core.accounts.invitations import DEFAULT_TTL, create_invite
from doctorbook.core.accounts.invitations import INVITE_TOKEN_RE as INVITE_TOKEN_RE
from doctorbook.core.accounts.invitations import InviteView as InviteView
from doctorbook.core.base import audit, tokens
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import (
    AuthenticationError,
    Conflict,
    NotFound,
    PolicyViolation,
)
from doctorbook.core.base.models import (
    Doctor,
    DoctorRequest,
    DoctorSpecialty,
    Invite,
    Specialty,
    User,
)
from doctorbook.core.base.rbac import Actor, Permission, Role, require
from doctorbook.core.base.text import clean_text
from doctorbook.core.doctors import specialties
from doctorbook.core.mail import outbox


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RequestView:
    id: int
    email: str
    name: str
    message: str | None
    status: str
    created_at: datetime
    decided_at: datetime | None


def invite_doctor(
    uow: UnitOfWork,
    *,
    actor: Actor,
    email: str,
    name: str,
    specialty_names: list[str] | tuple[str, ...] = (),
    ttl: timedelta = DEFAULT_TTL,
) -> InviteView:
    """An admin invites a doctor (pre-approved): a one-time token goes out by e-mail."""
    require(actor, Permission.DOCTORS_INVITE)
    email = auth.normalise_email(email)
    name = auth.clean_name(name)
    ids = specialties.resolve(uow, list(specialty_names))
    view = create_invite(uow, actor=actor, email=email, name=name, specialty_ids=ids, ttl=ttl,
                          request_id=None)
    uow.commit()
    return view


def request_join(
    uow: UnitOfWork, *, email: str, name: str, message: str | None = None
) -> RequestView:
    """Anyone may ask to join as a doctor; an admin approves (sending the invite) or rejects."""
    email = auth.normalise_email(email)
    name = auth.clean_name(name)
    message = clean_text(message, label="the message", limit=2000, multiline=True)
    if _pending_request(uow, email) is not None:
        raise Conflict(f"a request from {email} is already waiting for an admin")
    now = uow.now()
    row = DoctorRequest(email=email, name=name, message=message, status="pending",
                        created_at=now)
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor=Actor.anonymous(), action="doctor_request.created",
                 entity_kind="doctor_request", entity_id=row.id, data={"email": email})
    view = _request_view(row)
    uow.commit()
    return view


def _pending_request(uow: UnitOfWork, email: str) -> object | None:
    return uow.session.scalars(
        select(DoctorRequest).where(DoctorRequest.email == email,
                                    DoctorRequest.status == "pending")
    ).first()


def _request_view(row: object) -> RequestView:
    assert isinstance(row, DoctorRequest)
    return RequestView(row.id, row.email, row.name, row.message, row.status, row.created_at,
                       row.decided_at)


def list_requests(
    uow: UnitOfWork, *, actor: Actor, status: RequestStatus | None = RequestStatus.PENDING
) -> list[RequestView]:
    require(actor, Permission.DOCTORS_MANAGE)
    stmt = select(DoctorRequest).order_by(DoctorRequest.created_at, DoctorRequest.id)
    if status is not None:
        stmt = stmt.where(DoctorRequest.status == str(status))
    return [_request_view(r) for r in uow.session.scalars(stmt)]


def _decide(uow: UnitOfWork, actor: Actor, request_id: int) -> object:
    require(actor, Permission.DOCTORS_MANAGE)
    row = uow.session.get(DoctorRequest, request_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no request {request_id}")
    if row.status != "pending":
        raise PolicyViolation(f"request {request_id} was already {row.status}")
    row.decided_at = uow.now()
    row.decided_by_id = actor.user_id
    return row


def approve_request(
    uow: UnitOfWork, *, actor: Actor, request_id: int, ttl: timedelta = DEFAULT_TTL
) -> InviteView:
    """Approve a request: the invite e-mail goes to the requester."""
    row = _decide(uow, actor, request_id)
    assert isinstance(row, DoctorRequest)
    row.status = "approved"
    view = create_invite(uow, actor=actor, email=row.email, name=row.name, specialty_ids=[],
                          ttl=ttl, request_id=row.id)
    audit.record(uow, actor=actor, action="doctor_request.approved",
                 entity_kind="doctor_request", entity_id=row.id, data={"email": row.email})
    uow.commit()
    return view


def reject_request(uow: UnitOfWork, *, actor: Actor, request_id: int) -> RequestView:
    """Reject a request: the requester gets a polite e-mail."""
    row = _decide(uow, actor, request_id)
    assert isinstance(row, DoctorRequest)
    row.status = "rejected"
    outbox.enqueue(uow, kind="doctor_request_rejected", to=row.email, to_name=row.name,
                   template="doctor_request_rejected", context={"name": row.name},
                   entity_kind="doctor_request", entity_id=row.id)
    audit.record(uow, actor=actor, action="doctor_request.rejected",
                 entity_kind="doctor_request", entity_id=row.id, data={"email": row.email})
    view = _request_view(row)
    uow.commit()
    return view


def accept_invite(
    uow: UnitOfWork, *, token: str, password: str, currency: str = "EUR"
) -> auth.AccountView:
    """Create the invited account from a valid, unused, unexpired token (single use): a doctor
    (with a profile to complete) or staff (a receptionist or an admin)."""
    invite = uow.session.scalars(
        select(Invite).where(Invite.token_hash == tokens.digest(token.strip())).with_for_update()
    ).first()
    if invite is None:
        raise AuthenticationError("this invite token is not valid; check the e-mail you got")
    if invite.used_at is not None:
        raise PolicyViolation("this invite was already used; log in with `doctorbook login`")
    if invite.revoked_at is not None:
        raise PolicyViolation("this invite was replaced by a newer one; use the latest e-mail")
    now = uow.now()
    if invite.expires_at <= now:
        raise PolicyViolation("this invite has expired; ask the clinic's admin for a new one")
    if auth.email_registered(uow, invite.email):
        raise Conflict(f"{invite.email} already has a doctorbook account")
    passwords.check_policy(password, email=invite.email)
    role = Role(invite.role)
    user = User(email=invite.email, name=invite.name, role=str(role),
                password_hash=passwords.hash_password(password), created_at=now, updated_at=now)
    uow.session.add(user)
    uow.session.flush()
    if role.is_doctor:
        uow.session.add(Doctor(user_id=user.id, status="active", currency=currency,
                               created_at=now, updated_at=now))
        uow.session.flush()
        existing = set(uow.session.scalars(
            select(Specialty.id).where(Specialty.id.in_(invite.specialty_ids or [-1]))
        ))
        for specialty_id in invite.specialty_ids:
            if specialty_id in existing:  # a specialty removed since the invite is skipped
                uow.session.add(DoctorSpecialty(doctor_id=user.id, specialty_id=specialty_id))
    invite.used_at = now
    invite.user_id = user.id
    actor = Actor(user.id, role, user.email)
    audit.record(uow, actor=actor,
                 action="doctor.joined" if role.is_doctor else "staff.joined",
                 entity_kind="invite", entity_id=invite.id,
                 data={"user_id": user.id, "role": str(role)})
    view = auth.AccountView(user.id, invite.email, user.name, role, None, True, now)
    uow.commit()
    return view


def accept_invite_and_log_in(
    uow: UnitOfWork, *, token: str, password: str, currency: str = "EUR",
) -> auth.LoginResult:
    """A doctor or staff member joins with an invitation and is logged in at once (the apps'
    "accept an invitation": one user action)."""
    user = accept_invite(uow, token=token, password=password, currency=currency)
    return auth.login(uow, email=user.email, password=password)
