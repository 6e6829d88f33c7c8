"""Invitations' tokens, for every role an admin invites (doctors, receptionists, admins): one
rule set (256 bits, only the digest kept, single use, replaced by a newer one, a deadline)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from doctorbook.core.accounts import auth
from doctorbook.core.base import audit, tokens
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict
from doctorbook.core.base.models import Invite, Specialty
from doctorbook.core.base.rbac import Actor, Role
from doctorbook.core.mail import outbox

INVITE_PREFIX = "dbi_"
#: How the invite e-mail shows its token (templates/email/doctor_invite.*).
INVITE_TOKEN_RE = re.compile(r"doctorbook accept-invite (dbi_[A-Za-z0-9_-]+)")
DEFAULT_TTL = timedelta(hours=72)
#: How e-mails and messages name each role one can be invited to.
ROLE_WORDS = {Role.DOCTOR: "a doctor", Role.RECEPTIONIST: "a receptionist",
              Role.ADMIN: "an administrator"}


@dataclass(frozen=True)
class InviteView:
    """What an admin sees of an invite: never the token (that goes only by e-mail)."""

    id: int
    email: str
    name: str
    expires_at: datetime
    specialties: tuple[str, ...]
    outbox_id: int
    role: Role = Role.DOCTOR


def _specialty_names(uow: UnitOfWork, ids: list[int]) -> tuple[str, ...]:
    if not ids:
        return ()
    rows = uow.session.execute(select(Specialty.id, Specialty.name).where(Specialty.id.in_(ids)))
    by_id = {specialty_id: name for specialty_id, name in rows}
    return tuple(by_id[i] for i in ids if i in by_id)


def create_invite(
    uow: UnitOfWork,
    *,
    actor: Actor,
    email: str,
    name: str,
    specialty_ids: list[int],
    ttl: timedelta,
    request_id: int | None,
    role: Role = Role.DOCTOR,
) -> InviteView:
    if auth.email_registered(uow, email):
        raise Conflict(f"{email} already has a doctorbook account")
    now = uow.now()
    # Re-inviting replaces the old token: the previous one stops working.
    uow.session.execute(
        update(Invite)
        .where(Invite.email == email, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = tokens.new_token(INVITE_PREFIX)
    invite = Invite(
        email=email, name=name, token_hash=tokens.digest(token), specialty_ids=specialty_ids,
        expires_at=now + ttl, inviter_id=actor.user_id, request_id=request_id, created_at=now,
        role=str(role),
    )
    uow.session.add(invite)
    try:
        uow.session.flush()
    except IntegrityError:
        # Two admins (or one pressing twice) re-inviting the address at the same moment: the
        # one-live-invite index lets one through.
        raise Conflict(f"another invitation for {email} was just sent; "
                       "use the newest e-mail") from None
    doctor = Role(role).is_doctor
    outbox_id = outbox.enqueue(
        uow, kind="doctor_invite" if doctor else "staff_invite", to=email, to_name=name,
        template="doctor_invite" if doctor else "staff_invite",
        context={"name": name, "token": token, "email": email, "role": ROLE_WORDS[role],
                 "expires_at": invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")},
        entity_kind="invite", entity_id=invite.id, contains_secret=True,
    )
    audit.record(uow, actor=actor, action="doctor.invited" if doctor else "staff.invited",
                 entity_kind="invite", entity_id=invite.id,
                 data={"email": email, "role": str(role), "request_id": request_id,
                       "expires_at": invite.expires_at.isoformat()})
    return InviteView(invite.id, email, name, invite.expires_at,
                      _specialty_names(uow, specialty_ids), outbox_id, role)
