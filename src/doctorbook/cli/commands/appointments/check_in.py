"""`doctorbook appointments check-in ID`: the patient has arrived (doctor or desk)."""

from __future__ import annotations

from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.commands.appointments.status import change
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput


@translate_errors
def check_in(appointment_id: AppointmentId, json_output: JsonOutput = False) -> None:
    """Check a patient in for a confirmed appointment (its doctor or the desk)."""
    change(appointment_id, "check_in", json_output=json_output)
