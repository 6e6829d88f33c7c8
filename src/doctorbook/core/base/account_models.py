"""Account models (users, sessions, login throttles, audit log): kept apart so the hot path of
every command (authenticating a token) maps four tables, not the whole schema (~30 ms/command)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from doctorbook.core.base.schema_base import TS, Base


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Stored lower-cased, so the unique constraint is case-insensitive by construction.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        # Staff sign in by e-mail; a walk-in patient without one is known by phone or birth date.
        CheckConstraint(
            "email IS NOT NULL OR (role = 'patient' AND "
            "(phone IS NOT NULL OR date_of_birth IS NOT NULL))",
            name="email_or_walk_in",
        ),
        CheckConstraint(
            "role IN ('patient', 'doctor', 'receptionist', 'admin')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: None for a walk-in patient who gave no address (known by phone or date of birth).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    #: Why an admin disabled the account (shown to admins; the audit log has who and when).
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    #: When an admin erased the person (name, contact details and free text replaced).
    erased_at: Mapped[datetime | None] = mapped_column(TS)
    # No lock lives here: failed logins are throttled per (e-mail, origin) in login_throttles,
    # so a stranger at the kiosk can't lock the account for everyone else.
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)


class AuthSession(Base):
    """One login's token pair; a refresh rotates into a new row of the same family."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_expires_at: Mapped[datetime] = mapped_column(TS)
    refresh_expires_at: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)
    rotated_at: Mapped[datetime | None] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class AccountToken(Base):
    """A one-time token e-mailed to an account's owner: set a new password (reset), or a first
    one (activation of a patient the desk created). Only the token's digest is kept."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('password_reset', 'activation', 'email_change')",
                        name="purpose_known"),
        Index("ix_account_tokens_user_purpose_created", "user_id", "purpose", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The address an e-mail change is waiting to be confirmed for.
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime] = mapped_column(TS)
    used_at: Mapped[datetime | None] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)


class LoginThrottle(Base):
    """Failed logins of one e-mail from one origin, or from all origins (origin "*").

    Keyed by a digest of the normalised e-mail, not the user: unknown e-mails are counted and
    refused exactly like registered ones, and the table is no list of the addresses tried.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint("strikes >= 0", name="strikes_not_negative"),)

    email_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The latest failures within the window (at most the threshold's worth), oldest first.
    failed_at: Mapped[list[datetime]] = mapped_column(
        ARRAY(TS), server_default=text("'{}'")
    )
    # Refusals in a row; each doubles the next one's length until a quiet window resets it.
    strikes: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(TS)
    # A recent success makes the origin trusted for this e-mail (it skips the all-origins cap).
    last_success_at: Mapped[datetime | None] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS, index=True)


class AuditEntry(Base):
    """Append-only: a database trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_kind", "entity_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(TS, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    entity_kind: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
