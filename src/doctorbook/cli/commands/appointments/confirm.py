"""`doctorbook appointments confirm ID`: confirm a pending appointment (doctor or desk)."""

from __future__ import annotations

from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.commands.appointments.status import change
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput


@translate_errors
def confirm(appointment_id: AppointmentId, json_output: JsonOutput = False) -> None:
    """Confirm a pending appointment (its doctor or the desk); the patient is e-mailed."""
    change(appointment_id, "confirm", json_output=json_output)
