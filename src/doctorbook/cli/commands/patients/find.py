"""`doctorbook patients find [QUERY] [--limit N] [--json]`: patients by name, e-mail, phone or
date of birth (desk)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.patients.shown import NONE, born_text
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json, print_table


@translate_errors
def find(
    query: Annotated[str, typer.Argument(
        help="Part of a name, e-mail or phone number (any separators), or a date of birth "
             "(1980-03-12, 12.03.1980). Empty lists the first patients by name.",
        show_default=False)] = "",
    limit: Annotated[int, typer.Option("--limit", min=1, max=100,
                                       help="At most this many.")] = 20,
    json_output: JsonOutput = False,
) -> None:
    """Find patients (desk), sorted by name; erased patients are not listed."""
    from doctorbook.core.accounts import patients

    found = CliContext.from_env().core.run(patients.find_patients, query=query, limit=limit)
    if json_output:
        print_json({"patients": found})
        return
    if not found:
        echo("no patient matches")
        return
    rows = [[str(p.id), p.name, p.email or NONE, p.phone or NONE, born_text(p),
             "" if p.is_active else "disabled"] for p in found]
    print_table("Patients", ["ID", "Name", "E-mail", "Phone", "Born", "Note"], rows)
