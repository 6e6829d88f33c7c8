"""`doctorbook appointments note ID TEXT`: the doctor's private note on their appointment."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.appointments.options import AppointmentId
from doctorbook.cli.context import CliContext, read_stdin
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def note(
    appointment_id: AppointmentId,
    text: Annotated[str, typer.Argument(
        metavar="TEXT", help="The note; `-` reads it from standard input (several lines, and "
                             "out of your shell history).")],
    json_output: JsonOutput = False,
) -> None:
    """Add a private note to one of your appointments (doctors). Only you ever see it."""
    from doctorbook.core.booking.lifecycle import add_note

    body = read_stdin() if text == "-" else text
    note_id = CliContext.from_env().core.run(add_note, appointment_id=appointment_id, text=body)
    if json_output:
        print_json({"appointment_id": appointment_id, "note_id": note_id})
        return
    echo(f"Added note {note_id} to appointment {appointment_id} (visible only to you).")
