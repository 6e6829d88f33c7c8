"""Patients at the front desk: find a patient record, or create one on the spot.

A patient created by the desk has no password: they can't log in until they set one (a later
feature), but the desk can book for them at once and the e-mails reach them as usual.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import String, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from doctorbook.core.accounts import accounts
from doctorbook.core.accounts.auth import UserView, clean_name, email_registered, normalise_email
from doctorbook.core.accounts.auth import _view as auth_view
from doctorbook.core.base import audit
from doctorbook.core.base.account_models import User
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.errors import Conflict, ValidationError
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
        stmt = stmt.where(or_(*matches))
    stmt = stmt.order_by(func.lower(User.name), User.id).limit(limit)
    return [auth_view(user) for user in uow.session.scalars(stmt)]


def create_patient(
    uow: UnitOfWork, *, actor: Actor, email: str, name: str, phone: str | None = None,
    date_of_birth: date | None = None,
) -> UserView:
    """The desk creates a patient record (no password) so it can book for them at once; the
    patient gets an e-mail to set a password (accounts.send_activation resends it)."""
    require(actor, Permission.PATIENTS_MANAGE)
    email = normalise_email(email)
    name = clean_name(name)
    phone = clean_phone(phone)
    date_of_birth = check_birth_date(uow, date_of_birth)
    if email_registered(uow, email):
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
        raise _taken(email) from None
    view = auth_view(user)
    audit.record(
        uow, actor=actor, action="patient.created", entity_kind="user", entity_id=view.id,
        data={"role": str(Role.PATIENT), "has_phone": phone is not None,
              "has_date_of_birth": date_of_birth is not None},
    )
    # "Set your password" goes with the record: the patient can then use the kiosk and the CLI.
    accounts._send_activation(uow, actor=actor, user=user)
    uow.commit()
    return view
