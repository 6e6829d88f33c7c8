"""`doctorbook schedule remove-rule ID`."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.commands.schedule.render import describe_rule
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def remove_rule(
    rule_id: Annotated[int, id_argument("rule", help="The rule's id.")],
) -> None:
    """Remove one of your weekly rules."""
    from doctorbook.core.scheduling import schedule

    view = CliContext.from_env().core.run(schedule.remove_rule, rule_id=rule_id)
    echo(f"removed {describe_rule(view)}")
