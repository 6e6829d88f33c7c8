"""`doctorbook schedule remove-rule ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.schedule.render import describe_rule
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors


@translate_errors
def remove_rule(
    rule_id: Annotated[int, typer.Argument(help="The rule's id.", metavar="ID")],
) -> None:
    """Remove one of your weekly rules."""
    from doctorbook.core import schedule

    ctx = CliContext.from_env()
    actor = ctx.actor()
    with ctx.db.unit_of_work() as uow:
        view = schedule.remove_rule(uow, actor=actor, rule_id=rule_id)
    typer.echo(f"removed {describe_rule(view)}")
