"""`doctorbook requests list`: self-serve requests waiting for an admin."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import fail, translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, literal, local_time, print_json, print_table


@translate_errors
def list_requests(
    status: Annotated[
        str, typer.Option("--status", help="pending, approved, rejected or all.")
    ] = "pending",
    json_output: JsonOutput = False,
) -> None:
    """List requests to join (admin); pending ones by default."""
    from doctorbook.core.doctors import invites

    choices = {s.value: s for s in invites.RequestStatus}
    if status != "all" and status not in choices:
        raise fail(f"--status must be one of {', '.join([*choices, 'all'])}", 2)
    items = CliContext.from_env().core.run(
        invites.list_requests, status=None if status == "all" else choices[status])
    if json_output:
        print_json({"requests": items})
        return
    if not items:
        echo(f"No {'' if status == 'all' else status + ' '}requests.")
        return
    print_table("Requests to join", ["ID", "Received", "Name", "E-mail", "Status", "Message"],
                [[str(r.id), local_time(r.created_at), r.name, r.email, r.status,
                  literal(r.message or "", multiline=True)] for r in items])
