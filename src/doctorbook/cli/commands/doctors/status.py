"""`doctorbook doctors suspend|activate ID` (admin)."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo

DoctorId = Annotated[int, id_argument("doctor", help="The doctor's id.")]


def _set(doctor_id: int, *, active: bool) -> None:
    from doctorbook.core.doctors import doctors

    profile = CliContext.from_env().core.run(doctors.set_status, doctor_id=doctor_id, active=active)
    echo(f"{profile.name} is now {profile.status}"
         + ("" if active else " (hidden from patients)"))


@translate_errors
def suspend(doctor_id: DoctorId) -> None:
    """Suspend a doctor: their profile disappears from search."""
    _set(doctor_id, active=False)


@translate_errors
def activate(doctor_id: DoctorId) -> None:
    """Reactivate a suspended doctor."""
    _set(doctor_id, active=True)
