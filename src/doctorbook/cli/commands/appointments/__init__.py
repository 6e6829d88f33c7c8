"""`doctorbook appointments`: list, show and manage the appointments you may see."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.appointments import (
    cancel,
    check_in,
    complete,
    confirm,
    no_show,
    note,
    reschedule,
    show,
)
from doctorbook.cli.commands.appointments import list as list_cmd

app = typer.Typer(
    help="Appointments: list, show, cancel, reschedule; confirm, check-in, complete, no-show "
         "(doctor or desk); note (doctors).",
    no_args_is_help=True,
)
app.command("list")(list_cmd.list_appointments)
app.command("show")(show.show)
app.command("cancel")(cancel.cancel)
app.command("reschedule")(reschedule.reschedule)
app.command("confirm")(confirm.confirm)
app.command("check-in")(check_in.check_in)
app.command("complete")(complete.complete)
app.command("no-show")(no_show.no_show)
app.command("note")(note.note)
