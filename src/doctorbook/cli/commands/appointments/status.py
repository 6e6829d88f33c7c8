"""The shared body of confirm, check-in, complete and no-show (each has its own file)."""

from __future__ import annotations

from doctorbook.cli.appointment_render import echo_changed
from doctorbook.cli.context import CliContext
from doctorbook.cli.render import print_json

#: What each action's line starts with.
DONE = {
    "confirm": "Confirmed appointment {id}",
    "check_in": "Checked in appointment {id}",
    "complete": "Completed appointment {id}",
    "no_show": "Recorded appointment {id} as a no-show",
}


def change(appointment_id: int, action: str, *, json_output: bool) -> None:
    from doctorbook.core.booking.lifecycle import change_status

    view = CliContext.from_env().core.run(change_status, appointment_id=appointment_id,
                                          action=action)
    if json_output:
        print_json(view.to_json())
        return
    echo_changed(view, DONE[action].format(id=view.id))
