"""Patients at the front desk: find a patient record, or create one on the spot.

A patient created by the desk has no password: they can't log in until they set one from the
activation e-mail, but the desk can book for them at once. A walk-in may give no e-mail at all
(a phone number or a date of birth instead): booked for like anyone, mailed nothing, and able to
log in once the desk adds their address (set_patient_email).
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import String, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from doctorbook.core.accounts import accounts
from doctorbook.core.accounts.auth import UserView, clean_name, email_registered, normalise_email
from doctorbook.core.accounts.auth import _view as auth_view
from doctorbook.core.base import audit
from doctorbook.core.base.account_models import User
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict, PolicyViolation, ValidationError
from doctorbook.core.base.rbac import Actor, Permission, Role, has_role, require
from doctorbook.core.base.text import clean_text

#: At most this many patients per lookup; the desk narrows the query instead of paging.
MAX_LIMIT = 100
MAX_QUERY = 200
MAX_PHONE = 40
#: What a phone number may be written with: digits, a leading +, spaces and ( ) . / -
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
#: A query that looks like (part of) a phone number also matches however the number was stored.
_PHONE_QUERY_MIN_DIGITS = 3
#: A number typed with its country code ("+420 601 234 567") finds one stored without it
#: ("601 234 567") when at least this many trailing digits agree: fewer would match strangers.
_PHONE_SUFFIX_MIN_DIGITS = 8
#: The one-line refusal of a patient the desk could never find again nor write to.
NO_CONTACT = "give an e-mail, a phone number or a date of birth: the desk finds patients by these"


def _taken(email: str) -> Conflict:
    # The same refusal as self-registration gives.
    return Conflict(f"an account with e-mail {email} already exists")


def clean_phone(phone: str | None) -> str | None:
    """A phone number as typed (trimmed, inner spaces collapsed), or None when empty."""
    value = clean_text(phone, label="phone", limit=MAX_PHONE)
    if value is None:
        return None
    if not _PHONE_RE.match(value) or sum(ch.isdigit() for ch in value) < 5:
        raise ValidationError(
            f"not a phone number: {value!r} (digits, with + ( ) . / - and spaces if you like)"
        )
    return value


#: Dates of birth as a desk types them: 1980-03-12, 12.03.1980, 12/03/1980 (day first).
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def typed_date(text: str) -> date | None:
    """`text` as a calendar date if it is written as one (ISO, or day first with . or /)."""
    iso, day_first = _ISO_DATE.match(text), _DAY_FIRST.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if day_first:
            return date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
    except ValueError:
        return None  # 31.02.1980: no such day, so no one was born on it
    return None


def check_birth_date(uow: UnitOfWork, born: date | None) -> date | None:
    if born is not None and (born > uow.now().date() or born.year < 1900):
        raise ValidationError(f"not a date of birth: {born.isoformat()}")
    return born


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


def find_patients(
    uow: UnitOfWork, *, actor: Actor, query: str, limit: int = 20
) -> list[UserView]:
    """Patients whose name, e-mail or phone contains `query` (any case), or born on the
    date it is (1980-03-12, 12.03.1980, 12/03/1980), sorted by name.

    An empty query lists the first `limit` patients by name. Digits typed as a phone number
    ("030 1234") also match a number stored with other separators ("+49 30-1234...").
    """
    require(actor, Permission.PATIENTS_MANAGE)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be from 1 to {MAX_LIMIT}")
    # Not stored, but refused like stored text: a NUL or a lone surrogate would otherwise
    # reach the database driver and fail there with a traceback.
    text = clean_text(query, label="the search text", limit=MAX_QUERY) or ""
    # An erased patient is no one to find: their visits stay, under a placeholder name.
    stmt = select(User).where(has_role(User.role, Role.PATIENT), User.erased_at.is_(None))
    if text:
        pattern = _like(text)
        matches: list[ColumnElement[bool]] = [
            User.name.ilike(pattern, escape="\\"),
            User.email.ilike(pattern, escape="\\"),
            User.phone.ilike(pattern, escape="\\"),
        ]
        born = typed_date(text)
        if born is not None:
            matches.append(User.date_of_birth == born)
        digits = "".join(ch for ch in text if ch.isdigit())
        if born is None and len(digits) >= _PHONE_QUERY_MIN_DIGITS and _PHONE_RE.match(text):
            stored_digits = func.regexp_replace(
                func.coalesce(User.phone, ""), "[^0-9]", "", "g", type_=String
            )
            matches.append(stored_digits.like(f"%{digits}%"))
            if len(digits) > _PHONE_SUFFIX_MIN_DIGITS:
                # The stored number is the end of the one typed (typed with a country code).
                matches.append(and_(
                    func.length(stored_digits) >= _PHONE_SUFFIX_MIN_DIGITS,
                    func.right(digits, func.length(stored_digits)) == stored_digits,
                ))
        stmt = stmt.where(or_(*matches))
    stmt = stmt.order_by(func.lower(User.name), User.id).limit(limit)
    return [auth_view(user) for user in uow.session.scalars(stmt)]


def _optional_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    return normalise_email(email)


def create_patient(
    uow: UnitOfWork, *, actor: Actor, name: str, email: str | None = None,
    phone: str | None = None, date_of_birth: date | None = None,
) -> UserView:
    """The desk creates a patient record (no password) so it can book for them at once; the
    patient gets an e-mail to set a password (accounts.send_activation resends it).

    A walk-in may give no e-mail (None or blank) when a phone number or a date of birth
    identifies them; then nothing is mailed."""
    require(actor, Permission.PATIENTS_MANAGE)
    name = clean_name(name)
    email = _optional_email(email)
    phone = clean_phone(phone)
    date_of_birth = check_birth_date(uow, date_of_birth)
    if email is None and phone is None and date_of_birth is None:
        raise ValidationError(NO_CONTACT)
    if email is not None and email_registered(uow, email):
        raise _taken(email)
    now = uow.now()
    user = User(
        email=email, name=name, phone=phone, role=str(Role.PATIENT), password_hash=None,
        date_of_birth=date_of_birth, created_at=now, updated_at=now,
    )
    uow.session.add(user)
    try:
        uow.session.flush()
    except IntegrityError:
        # Two desks creating one e-mail at once: the unique constraint decides.
        assert email is not None  # without an e-mail nothing here is unique
        raise _taken(email) from None
    view = auth_view(user)
    audit.record(
        uow, actor=actor, action="patient.created", entity_kind="user", entity_id=view.id,
        data={"role": str(Role.PATIENT), "has_phone": phone is not None,
              "has_date_of_birth": date_of_birth is not None},
    )
    # "Set your password" goes with the record: the patient can then use the kiosk and the CLI.
    if email is not None:
        accounts._send_activation(uow, actor=actor, user=user)
    uow.commit()
    return view


def set_patient_email(
    uow: UnitOfWork, *, actor: Actor, patient_id: int, email: str,
) -> UserView:
    """The desk gives a patient it created an e-mail (a walk-in's, or a mistyped one), and the
    "set your password" e-mail goes to it at once; a code sent to an earlier address stops
    working.

    Only until the patient has a password: from then on the address is their login, which they
    change themselves (`doctorbook account email`), so the desk can't hand their account to
    someone else's mailbox."""
    require(actor, Permission.PATIENTS_MANAGE)
    email = normalise_email(email)
    user = accounts.locked_patient(uow, patient_id)
    if user.erased_at is not None:
        raise PolicyViolation(f"patient {patient_id} was erased")
    if user.password_hash is not None:
        raise PolicyViolation(f"{accounts.who(user)} has set a password: they change their "
                              "e-mail themselves (My details, or `doctorbook account email`)")
    if user.email == email:
        raise ValidationError(f"{email} is already their e-mail address")
    if email_registered(uow, email):
        raise _taken(email)
    had_email = user.email is not None
    now = uow.now()
    user.email = email
    user.updated_at = now
    # Codes mailed to the earlier address stop working (a disabled patient gets no new one).
    accounts._revoke_tokens(uow, user.id, None, now)
    try:
        uow.session.flush()
    except IntegrityError:
        raise _taken(email) from None
    # Whether there was one, never the addresses (the record says what it is now).
    audit.record(uow, actor=actor, action="patient.email_set", entity_kind="user",
                 entity_id=user.id, data={"had_email": had_email})
    if user.is_active:
        accounts._send_activation(uow, actor=actor, user=user)
    view = auth_view(user)
    uow.commit()
    return view
