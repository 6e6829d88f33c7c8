"""`doctorbook appointments show ID`: one appointment (its doctor also sees their notes)."""

from __future__ import annotations

from doctorbook.cli.appointment_render import print_detail
from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json


@translate_errors
def show(appointment_id: AppointmentId, json_output: JsonOutput = False) -> None:
    """Show one appointment: when, where, who, status and history.

    Times are in the clinic's timezone. The appointment's doctor also
    sees their private notes.
    """
    from doctorbook.core.booking.appointments import show_appointment

    ctx = CliContext.from_env()
    detail = ctx.core.run(show_appointment, appointment_id=appointment_id)
    if json_output:
        print_json(detail.to_json())
        return
    print_detail(detail, now=ctx.clock.now())
