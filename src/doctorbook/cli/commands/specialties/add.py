"""`doctorbook specialties add NAME`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def add(name: Annotated[str, typer.Argument(help="The specialty's name.")]) -> None:
    """Add a specialty (admin); names are unique whatever their case."""
    from doctorbook.core.doctors import specialties

    view = CliContext.from_env().core.run(specialties.add, name=name)
    echo(f"added specialty {view.name!r}")
