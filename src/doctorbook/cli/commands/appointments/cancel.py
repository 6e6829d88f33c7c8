"""`doctorbook appointments cancel ID [--reason R]`: cancel; the slot opens again at once."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.appointment_render import echo_changed
from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json


@translate_errors
def cancel(
    appointment_id: AppointmentId,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="Why (required when the doctor or the desk cancels).")] = None,
    json_output: JsonOutput = False,
) -> None:
    """Cancel an appointment; its slot opens again at once.

    Patients may cancel until the doctor's cancellation window; the
    doctor or the desk any time, with a --reason. Everyone involved is
    e-mailed.
    """
    from doctorbook.core.booking.lifecycle import cancel as cancel_appointment

    view = CliContext.from_env().core.run(cancel_appointment, appointment_id=appointment_id,
                                          reason=reason)
    if json_output:
        print_json(view.to_json())
        return
    late = "; a late cancellation" if view.late_cancel else ""
    freed = "" if view.slot_id is None else f"; slot #{view.slot_id} is open again"
    echo_changed(view, f"Cancelled appointment {view.id}", tail=f"{late}{freed}")
