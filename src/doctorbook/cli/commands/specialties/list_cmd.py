"""`doctorbook specialties list`."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json, print_table


@translate_errors
def list_specialties(json_output: JsonOutput = False) -> None:
    """List the specialties and how many doctors each has (no login needed)."""
    from doctorbook.core.doctors import specialties

    items = CliContext.from_env().core.run_open(specialties.list_specialties)
    if json_output:
        print_json({"specialties": items})
        return
    if not items:
        echo("No specialties yet. An admin adds them with: doctorbook specialties add NAME")
        return
    print_table("Specialties", ["Name", "Doctors"], [[s.name, str(s.doctor_count)] for s in items])
