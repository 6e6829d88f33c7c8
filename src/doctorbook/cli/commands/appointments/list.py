"""`doctorbook appointments list`: your appointments (or everyone's, for staff)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import fail, translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import local_time, print_json, print_table


@translate_errors
def list_appointments(
    upcoming: Annotated[bool, typer.Option("--upcoming", help="Only those still ahead.")] = False,
    past: Annotated[bool, typer.Option("--past", help="Only those already over.")] = False,
    json_output: JsonOutput = False,
) -> None:
    """List appointments: a patient sees their own, a doctor theirs, staff everyone's."""
    from doctorbook.core.appointments import Scope, list_appointments

    if upcoming and past:
        raise fail("choose one of --upcoming and --past", 2)
    scope = Scope.UPCOMING if upcoming else Scope.PAST if past else Scope.ALL
    ctx = CliContext.from_env()
    actor = ctx.actor()
    with ctx.db.unit_of_work() as uow:
        items = list_appointments(uow, actor=actor, scope=scope)
    if json_output:
        print_json({"scope": scope, "appointments": items})
        return
    if not items:
        typer.echo("No appointments yet. Find a doctor and book a visit to see it here.")
        return
    print_table(
        "Appointments",
        ["ID", "When", "Doctor", "Patient", "Status"],
        [[str(a.id), local_time(a.starts_at), a.doctor_name, a.patient_name, a.status]
         for a in items],
    )
