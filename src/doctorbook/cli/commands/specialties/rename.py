"""`doctorbook specialties rename OLD NEW`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def rename(
    old: Annotated[str, typer.Argument(help="The current name (any case).")],
    new: Annotated[str, typer.Argument(help="The new name.")],
) -> None:
    """Rename a specialty (admin); doctors keep it under the new name."""
    from doctorbook.core.doctors import specialties

    view = CliContext.from_env().core.run(specialties.rename, old=old, new=new)
    echo(f"renamed to {view.name!r}")
