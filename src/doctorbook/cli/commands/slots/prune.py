"""`doctorbook slots prune [--doctor ID] [--json]`: retention only, for a cron of its own."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_option
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def prune(
    doctor: Annotated[
        int | None, id_option("doctor", "--doctor", help="Only this doctor; default: all.")
    ] = None,
    json_output: JsonOutput = False,
) -> None:
    """Delete past slots no appointment ever held (admins; `slots generate` does it too)."""
    from doctorbook.core.scheduling import slots

    report = CliContext.from_env().core.run(slots.prune, doctor_id=doctor)
    if json_output:
        print_json({"pruned": report.pruned, "doctors_checked": report.checked,
                    "doctors": [{"doctor_id": i, "pruned": n} for i, n in report.doctors]})
        return
    echo(f"{report.checked} doctors: {report.pruned} past slots pruned")
