"""`doctorbook slots earliest SPECIALTY [--limit N] [--json]`: each doctor's first open slot."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json, print_table


@translate_errors
def earliest(
    specialty: Annotated[str, typer.Argument(metavar="SPECIALTY", help="A specialty (any case).")],
    limit: Annotated[int, typer.Option(
        "--limit", metavar="N", help="At most this many doctors, 1-100.")] = 10,
    json_output: JsonOutput = False,
) -> None:
    """List the first open slot of each doctor of a specialty, soonest first (desk and admins).

    Times are in each clinic's timezone; a slot inside the doctor's lead time is marked short
    notice (staff book it with --override-policy).
    """
    from doctorbook.core.booking.earliest import earliest_for_specialty

    found = CliContext.from_env().core.run(earliest_for_specialty, specialty=specialty,
                                           limit=limit)
    if json_output:
        print_json({"specialty": specialty.strip(), "results": [
            {"doctor_id": e.doctor_id, "doctor_name": e.doctor_name, "clinic": e.clinic,
             "city": e.city, "timezone": e.timezone, "slot_id": e.slot_id,
             "starts_at": e.starts_at.isoformat(), "ends_at": e.ends_at.isoformat(),
             "short_notice": e.short_notice}
            for e in found
        ]})
        return
    if not found:
        echo("No open slot with a doctor of that specialty in the booking horizon.")
        return
    print_table("Earliest open slots, clinic time",
                ["Slot", "When", "Doctor", "Clinic, city"],
                [[str(e.slot_id),
                  f"{e.starts_at:%a %d %b %H:%M}" + (" (short notice)" if e.short_notice else ""),
                  e.doctor_name, f"{e.clinic}, {e.city}"] for e in found])
    echo("Book one with: doctorbook book SLOT_ID --patient EMAIL")
