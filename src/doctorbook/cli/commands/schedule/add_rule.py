"""`doctorbook schedule add-rule`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.schedule.render import describe_rule
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def add_rule(
    weekday: Annotated[str, typer.Option("--weekday", help="mon, tue, wed, thu, fri, sat, sun.")],
    start: Annotated[str, typer.Option("--start", help="Local start time, HH:MM.")],
    end: Annotated[str, typer.Option("--end", help="Local end time, HH:MM.")],
    slot_minutes: Annotated[
        int | None, typer.Option("--slot-minutes", help="Slot length (default: your profile's).")
    ] = None,
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="First date it applies, YYYY-MM-DD.")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="Last date it applies, YYYY-MM-DD.")
    ] = None,
) -> None:
    """Add a weekly working window in your clinic's local time."""
    from doctorbook.core.scheduling import schedule

    rule = CliContext.from_env().core.run(schedule.add_rule, weekday=weekday, start=start, end=end,
                                          slot_minutes=slot_minutes, valid_from=valid_from,
                                          valid_until=valid_until)
    echo(f"added {describe_rule(rule)}")
    echo("Publish the slots with: doctorbook slots generate")
