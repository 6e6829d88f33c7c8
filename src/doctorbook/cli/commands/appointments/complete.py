"""`doctorbook appointments complete ID`: the visit took place (doctor or desk)."""

from __future__ import annotations

from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.commands.appointments.status import change
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput


@translate_errors
def complete(appointment_id: AppointmentId, json_output: JsonOutput = False) -> None:
    """Mark a checked-in appointment completed (its doctor or the desk)."""
    change(appointment_id, "complete", json_output=json_output)
