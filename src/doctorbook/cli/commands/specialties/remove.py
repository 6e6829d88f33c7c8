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
    from doctorbook.core import specialties

    ctx = CliContext.from_env()
    actor = ctx.actor()
    with ctx.db.unit_of_work() as uow:
        specialties.remove(uow, actor=actor, name=name)
    echo(f"removed specialty {name.strip()!r}")
