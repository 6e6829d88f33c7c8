"""Appointments as people see them: listing applies role and ownership rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from doctorbook.core.db import UnitOfWork
from doctorbook.core.rbac import Actor, Permission, Role, require

ACTIVE_STATUSES = ("pending", "confirmed", "checked_in")


class Scope(StrEnum):
    ALL = "all"
    UPCOMING = "upcoming"
    PAST = "past"


@dataclass(frozen=True)
class AppointmentView:
    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    patient_id: int
    patient_name: str
    doctor_id: int
    doctor_name: str
    reason: str | None


def list_appointments(
    uow: UnitOfWork, *, actor: Actor, scope: Scope = Scope.ALL, limit: int = 500
) -> list[AppointmentView]:
    """A patient sees their own, a doctor theirs, a receptionist or admin everyone's."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from doctorbook.core.models import Appointment, User

    require(actor, Permission.APPOINTMENTS_VIEW_OWN, Permission.APPOINTMENTS_VIEW_ANY)
    patient, doctor = aliased(User), aliased(User)
    stmt = (
        select(Appointment, patient.name, doctor.name)
        .join(patient, patient.id == Appointment.patient_id)
        .join(doctor, doctor.id == Appointment.doctor_id)
    )
    if not actor.can(Permission.APPOINTMENTS_VIEW_ANY):
        if actor.role == Role.DOCTOR:
            stmt = stmt.where(Appointment.doctor_id == actor.user_id)
        else:
            stmt = stmt.where(Appointment.patient_id == actor.user_id)
    now = uow.now()
    if scope == Scope.UPCOMING:
        stmt = stmt.where(Appointment.ends_at > now).order_by(Appointment.starts_at)
    elif scope == Scope.PAST:
        stmt = stmt.where(Appointment.ends_at <= now).order_by(Appointment.starts_at.desc())
    else:
        stmt = stmt.order_by(Appointment.starts_at)
    rows = uow.session.execute(stmt.limit(limit)).all()
    return [
        AppointmentView(
            id=a.id, starts_at=a.starts_at, ends_at=a.ends_at, status=a.status,
            patient_id=a.patient_id, patient_name=pname, doctor_id=a.doctor_id,
            doctor_name=dname, reason=a.reason,
        )
        for a, pname, dname in rows
    ]
