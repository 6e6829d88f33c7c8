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
    from doctorbook.core.scheduling import schedule

    view = CliContext.from_env().core.run(schedule.remove_exception, exception_id=exception_id)
    echo(f"removed {describe_exception(view)}")
