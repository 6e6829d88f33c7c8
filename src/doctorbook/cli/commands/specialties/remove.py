"""`doctorbook specialties remove NAME`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def remove(name: Annotated[str, typer.Argument(help="The specialty's name (any case).")]) -> None:
    """Remove a specialty (admin); refused while a doctor has it."""
    from doctorbook.core.doctors import specialties

    CliContext.from_env().core.run(specialties.remove, name=name)
    echo(f"removed specialty {name.strip()!r}")
