"""Review fixtures: the booking clinic, plus visits taken all the way to completed."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from doctorbook.core.base.clock import FixedClock
from doctorbook.core.base.db import UnitOfWork
from doctorbook.core.base.rbac import Actor
from doctorbook.core.booking import booking, lifecycle
from tests.booking.conftest import IN_3_DAYS_10, TOMORROW_10, Clinic, add_slot, clinic

__all__ = ["IN_3_DAYS_10", "TOMORROW_10", "Clinic", "add_slot", "clinic", "completed_visit"]


def completed_visit(
    uow: UnitOfWork, clock: FixedClock, clinic: Clinic, patient: Actor, starts_at: datetime,
    search_id: uuid.UUID | None = None,
) -> int:
    """Book, let the clock reach the visit, check in, complete; the clock is put back."""
    view = booking.book(uow, actor=patient, search_id=search_id,
                        slot_id=add_slot(uow, clinic.doctor.user_id, starts_at))
    shift = starts_at - clock.now()
    clock.advance(shift)
    lifecycle.change_status(uow, actor=clinic.desk, appointment_id=view.id, action="check_in")
    lifecycle.change_status(uow, actor=clinic.doctor, appointment_id=view.id, action="complete")
    clock.advance(-shift + timedelta(0))
    return view.id
