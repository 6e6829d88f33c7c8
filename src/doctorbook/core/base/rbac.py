"""Roles, permissions and the acting user: one role -> permissions table, checked in core.

Every decision about who may do what reads the table (ownership included: `…_OWN` permissions
hold on what the actor owns, `…_ANY` on everything). Nothing outside this module compares roles:
what a use case needs to know about a *target* account's role (is it a patient, staff, the
last admin) is one of the named predicates below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from doctorbook.core.base.errors import AuthenticationError, PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, SQLColumnExpression


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    RECEPTIONIST = "receptionist"
    ADMIN = "admin"

    # What an account *is* (its kind of record), for rules about a target account; what an
    # actor may *do* is `can`, read from the table.

    @property
    def is_patient(self) -> bool:
        """Books for themselves, may be booked for, erased, disabled as a patient."""
        return self is Role.PATIENT

    @property
    def is_doctor(self) -> bool:
        """Has a doctor's profile and schedule (joins by invite or an approved request)."""
        return self is Role.DOCTOR

    @property
    def is_receptionist(self) -> bool:
        return self is Role.RECEPTIONIST

    @property
    def is_admin(self) -> bool:
        """Runs the clinic: there must always be one active admin left."""
        return self is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Receptionists and admins: invited by an admin, listed on the Staff screen."""
        return self in STAFF_ROLES

    def can(self, permission: Permission) -> bool:
        """Whether this role's row of the table holds `permission` (what a UI offers; core
        checks the actor again on every call)."""
        return permission in ROLE_PERMISSIONS[self]


#: Receptionists and admins: the accounts the staff use cases manage.
STAFF_ROLES: tuple[Role, ...] = (Role.RECEPTIONIST, Role.ADMIN)


def is_staff_role(role: str) -> bool:
    """`role` (a Role or its stored text) is a receptionist's or an admin's."""
    return role in STAFF_ROLES


def has_role(column: SQLColumnExpression[str], *roles: Role) -> ColumnElement[bool]:
    """SQL: the account's stored role (`column`) is one of `roles` (selecting accounts)."""
    values = [str(role) for role in roles]
    return column == values[0] if len(values) == 1 else column.in_(values)


class Permission(StrEnum):
    # appointments (ownership: the patient or the doctor of the appointment)
    APPOINTMENTS_VIEW_OWN = "appointments.view_own"
    APPOINTMENTS_VIEW_ANY = "appointments.view_any"
    APPOINTMENTS_BOOK_SELF = "appointments.book_self"
    APPOINTMENTS_BOOK_FOR_PATIENT = "appointments.book_for_patient"
    APPOINTMENTS_CANCEL_OWN = "appointments.cancel_own"
    APPOINTMENTS_MANAGE_OWN = "appointments.manage_own"
    APPOINTMENTS_MANAGE_ANY = "appointments.manage_any"
    APPOINTMENTS_NOTES_OWN = "appointments.notes_own"
    DAYVIEW_OWN = "dayview.own"
    DAYVIEW_ANY = "dayview.any"
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

    # Earlier names of the same permissions (aliases: same member, not in the table twice),
    # kept while tests/core/test_rbac.py still spells them.
    APPOINTMENTS_MANAGE = "appointments.manage_own"
    APPOINTMENTS_NOTES = "appointments.notes_own"


P = Permission

#: What each permission allows, as the README's table says it.
DESCRIPTIONS: dict[Permission, str] = {
    P.APPOINTMENTS_VIEW_OWN: "see the appointments you are the patient or the doctor of",
    P.APPOINTMENTS_VIEW_ANY: "see every appointment",
    P.APPOINTMENTS_BOOK_SELF: "book a slot for yourself",
    P.APPOINTMENTS_BOOK_FOR_PATIENT: "book for a patient; override the lead time (audited)",
    P.APPOINTMENTS_CANCEL_OWN: "cancel your own booking until the cancellation window",
    P.APPOINTMENTS_MANAGE_OWN: "confirm, check in, complete, mark no-show, cancel with a "
                               "reason: the appointments you are the doctor of",
    P.APPOINTMENTS_MANAGE_ANY: "the same, on every appointment",
    P.APPOINTMENTS_NOTES_OWN: "write and read the private notes of your own appointments",
    P.DAYVIEW_OWN: "the day view of your own slots",
    P.DAYVIEW_ANY: "the day view of every doctor",
    P.PATIENTS_MANAGE: "find and create patients; send their activation e-mail",
    P.USERS_CREATE_ADMIN: "create admins and receptionists at the console",
    P.USERS_DISABLE: "disable and enable accounts; erase a patient",
    P.STAFF_MANAGE: "invite, disable and enable receptionists and admins",
    P.ACCOUNT_EDIT_OWN: "your own details, e-mail address and password",
    P.PROFILE_EDIT_OWN: "your own doctor's profile",
    P.SCHEDULE_MANAGE_OWN: "your own weekly rules and exceptions; your dashboard",
    P.SLOTS_GENERATE: "generate slots (your own; every doctor's with doctors.manage)",
    P.DOCTORS_INVITE: "invite doctors",
    P.DOCTORS_MANAGE: "list, suspend and reactivate doctors; see hidden profiles; decide "
                      "requests to join",
    P.SPECIALTIES_MANAGE: "add, rename and remove specialties",
    P.REVIEWS_WRITE: "review your own completed visit, once",
    P.REVIEWS_MODERATE: "hide a review, with a reason",
    P.OUTBOX_MANAGE: "see the e-mail outbox and retry messages",
    P.AUDIT_VIEW: "read the audit log",
    P.METRICS_VIEW: "see the metrics",
}

#: The one table of role -> permissions. `…_OWN` holds on what the actor owns, `…_ANY` on all.
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
            P.APPOINTMENTS_MANAGE_OWN,
            P.APPOINTMENTS_NOTES_OWN,
            P.DAYVIEW_OWN,
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
            P.APPOINTMENTS_MANAGE_ANY,
            P.DAYVIEW_ANY,
            P.PATIENTS_MANAGE,
        }
    ),
    Role.ADMIN: frozenset(
        {
            P.APPOINTMENTS_VIEW_ANY,
            P.APPOINTMENTS_BOOK_FOR_PATIENT,
            P.APPOINTMENTS_MANAGE_ANY,
            P.DAYVIEW_ANY,
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

#: Who owns a thing: one user id, or several (an appointment: its patient and its doctor).
Owners: TypeAlias = int | Iterable[int | None] | None

#: The refusal when the actor holds an `…_OWN` permission but doesn't own the appointment.
NOT_YOURS = "access denied: this is not one of your appointments"
LOG_IN = "you are not logged in; run `doctorbook login` first"


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
        return self.role is not None and self.role.can(permission)

    def can_either(self, *permissions: Permission) -> bool:
        """Whether the actor holds at least one of `permissions`."""
        return any(self.can(p) for p in permissions)

    def owns(self, permission: Permission, owner_id: Owners) -> bool:
        """Holds the `…_OWN` `permission` and is the owner (or one of the owners: an
        appointment is its patient's and its doctor's)."""
        owners = (owner_id,) if owner_id is None or isinstance(owner_id, int) else owner_id
        return (self.can(permission) and self.user_id is not None
                and self.user_id in tuple(owners))

    def may(self, *, own: Permission, any: Permission, owner_id: Owners) -> bool:
        """Holds `any`, or holds `own` and owns the thing."""
        return self.can(any) or self.owns(own, owner_id)

    def require_own_or_any(
        self, *, own: Permission, any: Permission, owner_id: Owners, denied: str = NOT_YOURS,
    ) -> None:
        """Refuse (`denied`) unless the actor holds `any`, or holds `own` and owns the thing;
        an anonymous actor is asked to log in."""
        if self.is_anonymous:
            raise AuthenticationError(LOG_IN)
        if not self.may(own=own, any=any, owner_id=owner_id):
            raise PermissionDenied(denied)



def require(actor: Actor, *permissions: Permission) -> None:
    """Refuse unless the actor holds at least one of the permissions."""
    if actor.is_anonymous:
        raise AuthenticationError(LOG_IN)
    if not actor.can_either(*permissions):
        raise PermissionDenied(f"a {actor.role} may not do this")


def permissions_table() -> str:
    """The role -> permission table as Markdown (the README shows it between its
    `permissions-table` markers; a test keeps the two equal)."""
    roles = list(Role)
    lines = [
        "| Permission | Allows | " + " | ".join(str(r) for r in roles) + " |",
        "| --- | --- | " + " | ".join(":-:" for _ in roles) + " |",
    ]
    for permission in Permission:
        marks = " | ".join("✓" if role.can(permission) else "" for role in roles)
        lines.append(f"| `{permission}` | {DESCRIPTIONS[permission]} | {marks} |")
    return "\n".join(lines) + "\n"
