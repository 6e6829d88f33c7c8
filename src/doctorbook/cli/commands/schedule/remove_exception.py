"""`doctorbook schedule remove-exception ID`."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.commands.schedule.render import describe_exception
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def remove_exception(
    exception_id: Annotated[int, id_argument("exception", help="The exception's id.")],
) -> None:
    """Remove one of your exceptions."""
    from doctorbook.core import schedule

    ctx = CliContext.from_env()
    actor = ctx.actor()
    with ctx.db.unit_of_work() as uow:
        view = schedule.remove_exception(uow, actor=actor, exception_id=exception_id)
    echo(f"removed {describe_exception(view)}")
