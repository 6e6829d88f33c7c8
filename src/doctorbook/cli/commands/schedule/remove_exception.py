"""`doctorbook schedule remove-exception ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.schedule.render import describe_exception
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors


@translate_errors
def remove_exception(
    exception_id: Annotated[int, typer.Argument(help="The exception's id.", metavar="ID")],
) -> None:
    """Remove one of your exceptions."""
    from doctorbook.core import schedule

    ctx = CliContext.from_env()
    actor = ctx.actor()
    with ctx.db.unit_of_work() as uow:
        view = schedule.remove_exception(uow, actor=actor, exception_id=exception_id)
    typer.echo(f"removed {describe_exception(view)}")
