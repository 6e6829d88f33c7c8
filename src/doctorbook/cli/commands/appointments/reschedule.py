"""`doctorbook appointments reschedule ID NEW_SLOT_ID`: move a visit to another open slot."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.appointment_render import echo_changed
from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.options import JsonOutput, OverridePolicy
from doctorbook.cli.render import print_json


@translate_errors
def reschedule(
    appointment_id: AppointmentId,
    new_slot_id: Annotated[int, id_argument(
        "slot", metavar="NEW_SLOT_ID", help="The open slot to move to (from `doctors show`).")],
    override_policy: OverridePolicy = False,
    json_output: JsonOutput = False,
) -> None:
    """Move a pending or confirmed appointment to another open slot.

    The old appointment is cancelled (its slot opens again) and a new
    one takes its place; --json shows the new one.
    """
    from doctorbook.core.booking.booking import reschedule as move

    view = CliContext.from_env().core.run(move, appointment_id=appointment_id,
                                          new_slot_id=new_slot_id, override_policy=override_policy)
    if json_output:
        print_json(view.to_json())
        return
    echo_changed(view, f"Moved appointment {appointment_id} to appointment {view.id}",
                 tail=f" (appointment {appointment_id} is cancelled)")
