"""Roles, permissions and the acting user: one role -> permissions table, checked in core."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from doctorbook.core.errors import AuthenticationError, PermissionDenied


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    RECEPTIONIST = "receptionist"
    ADMIN = "admin"


class Permission(StrEnum):
    # appointments
    APPOINTMENTS_VIEW_OWN = "appointments.view_own"
    APPOINTMENTS_VIEW_ANY = "appointments.view_any"
    APPOINTMENTS_BOOK_SELF = "appointments.book_self"
    APPOINTMENTS_BOOK_FOR_PATIENT = "appointments.book_for_patient"
    APPOINTMENTS_CANCEL_OWN = "appointments.cancel_own"
    APPOINTMENTS_MANAGE = "appointments.manage"
    APPOINTMENTS_NOTES = "appointments.notes"
    # people
    PATIENTS_MANAGE = "patients.manage"
    USERS_CREATE_ADMIN = "users.create_admin"
    USERS_DISABLE = "users.disable"
    STAFF_MANAGE = "staff.manage"
    ACCOUNT_EDIT_OWN = "account.edit_own"
    # doctors and schedules
    PROFILE_EDIT_OWN = "profile.edit_own"
    SCHEDULE_MANAGE_OWN = "schedule.manage_own"
    SLOTS_GENERATE = "slots.generate"
    DOCTORS_INVITE = "doctors.invite"
    DOCTORS_MANAGE = "doctors.manage"
    SPECIALTIES_MANAGE = "specialties.manage"
    # reviews
    REVIEWS_WRITE = "reviews.write"
    REVIEWS_MODERATE = "reviews.moderate"
    # operations
    OUTBOX_MANAGE = "outbox.manage"
    AUDIT_VIEW = "audit.view"
    METRICS_VIEW = "metrics.view"


P = Permission

#: The one table of role -> permissions. Ownership (whose appointment) is checked on top.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PATIENT: frozenset(
        {
            P.ACCOUNT_EDIT_OWN,
            P.APPOINTMENTS_VIEW_OWN,
            P.APPOINTMENTS_BOOK_SELF,
            P.APPOINTMENTS_CANCEL_OWN,
            P.REVIEWS_WRITE,
        }
    ),
    Role.DOCTOR: frozenset(
        {
            P.ACCOUNT_EDIT_OWN,
            P.APPOINTMENTS_VIEW_OWN,
            P.APPOINTMENTS_MANAGE,
            P.APPOINTMENTS_NOTES,
            P.PROFILE_EDIT_OWN,
            P.SCHEDULE_MANAGE_OWN,
            P.SLOTS_GENERATE,
        }
    ),
    Role.RECEPTIONIST: frozenset(
        {
            P.ACCOUNT_EDIT_OWN,
            P.APPOINTMENTS_VIEW_ANY,
            P.APPOINTMENTS_BOOK_FOR_PATIENT,
            P.APPOINTMENTS_MANAGE,
            P.PATIENTS_MANAGE,
        }
    ),
    Role.ADMIN: frozenset(
        {
            P.APPOINTMENTS_VIEW_ANY,
            P.APPOINTMENTS_BOOK_FOR_PATIENT,
            P.APPOINTMENTS_MANAGE,
            P.PATIENTS_MANAGE,
            P.USERS_CREATE_ADMIN,
            P.USERS_DISABLE,
            P.STAFF_MANAGE,
            P.ACCOUNT_EDIT_OWN,
            P.SLOTS_GENERATE,
            P.DOCTORS_INVITE,
            P.DOCTORS_MANAGE,
            P.SPECIALTIES_MANAGE,
            P.REVIEWS_MODERATE,
            P.OUTBOX_MANAGE,
            P.AUDIT_VIEW,
            P.METRICS_VIEW,
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user with a role, or anonymous (user_id None)."""

    user_id: int | None
    role: Role | None
    email: str | None = None
    session_id: str | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=None, role=None)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None or self.role is None

    def can(self, permission: Permission) -> bool:
        return self.role is not None and permission in ROLE_PERMISSIONS[self.role]


def require(actor: Actor, *permissions: Permission) -> None:
    """Refuse unless the actor holds at least one of the permissions."""
    if actor.is_anonymous:
        raise AuthenticationError("you are not logged in; run `doctorbook login` first")
    if not any(actor.can(p) for p in permissions):
        raise PermissionDenied(f"a {actor.role} may not do this")
