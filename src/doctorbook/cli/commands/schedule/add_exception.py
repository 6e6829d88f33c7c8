"""`doctorbook schedule add-exception`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.schedule.render import describe_exception
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.render import echo


@translate_errors
def add_exception(
    on: Annotated[str, typer.Option("--date", help="The date, YYYY-MM-DD.")],
    off: Annotated[bool, typer.Option("--off", help="A day off: no slots that day.")] = False,
    start: Annotated[str | None, typer.Option("--start", help="Local start, HH:MM.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Local end, HH:MM.")] = None,
    extra: Annotated[
        bool, typer.Option("--extra", help="Add these hours to the rules (default: replace).")
    ] = False,
    slot_minutes: Annotated[
        int | None, typer.Option("--slot-minutes", help="Slot length (default: your profile's).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for your records.")] = None,
) -> None:
    """Override one date: --off, or changed hours --start/--end (with --extra: added hours)."""
    from doctorbook.core.scheduling import schedule

    if off and (start is not None or end is not None or extra):
        raise fail("give either --off or --start/--end, not both", EXIT_BAD_INPUT)
    if not off and (start is None or end is None):
        raise fail("give --off, or both --start and --end", EXIT_BAD_INPUT)
    kind = "off" if off else ("extra" if extra else "hours")
    view = CliContext.from_env().core.run(schedule.add_exception, on=on, kind=kind, start=start,
                                          end=end, slot_minutes=slot_minutes, reason=reason)
    echo(f"added {describe_exception(view)}")
    echo("Publish the change with: doctorbook slots generate")
