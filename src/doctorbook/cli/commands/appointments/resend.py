"""`doctorbook appointments resend ID`: e-mail a visit's confirmation to the patient again."""

from __future__ import annotations

from doctorbook.cli.appointment_render import echo_changed
from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json


@translate_errors
def resend(appointment_id: AppointmentId, json_output: JsonOutput = False) -> None:
    """Send an upcoming visit's confirmation (with its calendar invitation) again (its doctor
    or the desk); audited."""
    from doctorbook.core.booking.resend import resend_confirmation

    view = CliContext.from_env().core.run(resend_confirmation, appointment_id=appointment_id)
    if json_output:
        print_json(view.to_json())
        return
    echo_changed(view, f"Confirmation of appointment {view.id} queued again for "
                       f"{view.patient_email or view.patient_name}")
