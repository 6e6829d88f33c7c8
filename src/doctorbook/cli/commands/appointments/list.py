"""`doctorbook appointments list`: your appointments (or everyone's, for staff)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.appointment_render import status_word, when
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import fail, translate_errors
from doctorbook.cli.ids import id_option
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json, print_table


@translate_errors
def list_appointments(
    upcoming: Annotated[bool, typer.Option("--upcoming", help="Only those still ahead.")] = False,
    past: Annotated[bool, typer.Option("--past", help="Only those already over.")] = False,
    doctor_id: Annotated[int | None, id_option(
        "doctor", "--doctor", help="Only this doctor's (their id, from search).")] = None,
    on: Annotated[str | None, typer.Option(
        "--date", help="Only this day, YYYY-MM-DD, in each clinic's timezone.")] = None,
    json_output: JsonOutput = False,
) -> None:
    """List appointments: a patient sees their own, a doctor theirs, staff everyone's.

    Times are in each clinic's timezone.
    """
    from doctorbook.core.booking.appointments import Scope, list_appointments
    from doctorbook.core.scheduling.schedule import parse_date

    if upcoming and past:
        raise fail("choose one of --upcoming and --past", 2)
    # Bad input is refused before anything connects or asks who you are.
    on_date = parse_date(on, "--date")
    scope = "upcoming" if upcoming else "past" if past else "all"
    # Upcoming as people mean it (still to come and still to happen; a visit completed or
    # cancelled today is past), as the TUI's homes list them.
    wanted = Scope.COMING if upcoming else Scope.DONE if past else Scope.ALL
    ctx = CliContext.from_env()
    items = ctx.core.run(list_appointments, scope=wanted, doctor_id=doctor_id, on_date=on_date)
    if json_output:
        # Scripts rely on id, status, starts_at, ends_at (UTC), doctor_id and patient_id.
        print_json({"scope": scope, "appointments": [a.to_json() for a in items]})
        return
    if not items:
        if scope == Scope.ALL and doctor_id is None and on_date is None:
            echo("No appointments yet. Find a doctor and book a visit to see it here.")
        else:
            echo("No appointments match.")
        return
    # One clinic timezone goes in the title, several on every row; the year only if it isn't
    # this one. Narrow enough for 80 columns.
    zones = {a.timezone for a in items}
    single = len(zones) == 1
    this_year = ctx.clock.now().year
    year = any(a.local_start.year != this_year for a in items)
    print_table(
        f"Appointments, {next(iter(zones))} time" if single else "Appointments, clinic time",
        ["ID", "When", "Doctor", "Patient", "Status"],
        [[str(a.id), when(a, zone=not single, year=year), a.doctor_name, a.patient_name,
          status_word(a.status)] for a in items],
    )
