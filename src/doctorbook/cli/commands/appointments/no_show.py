"""`doctorbook appointments no-show ID`: the patient never came (doctor or desk)."""

from __future__ import annotations

from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.commands.appointments.status import change
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput


@translate_errors
def no_show(appointment_id: AppointmentId, json_output: JsonOutput = False) -> None:
    """Record a pending or confirmed appointment as a no-show, once its start has passed."""
    change(appointment_id, "no_show", json_output=json_output)
