"""`doctorbook account show [--json]`: your name, e-mail, phone and date of birth."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def show(json_output: JsonOutput = False) -> None:
    """Show your own details."""
    from doctorbook.core.accounts import accounts

    view = CliContext.from_env().core.run(accounts.own_details)
    if json_output:
        print_json(view)
        return
    born = view.date_of_birth.isoformat() if view.date_of_birth else "-"
    echo(f"{view.name} <{view.email}> ({view.role})")
    echo(f"phone: {view.phone or '-'}; date of birth: {born}")
