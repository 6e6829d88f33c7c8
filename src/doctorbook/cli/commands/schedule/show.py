"""`doctorbook schedule show`."""

from __future__ import annotations

from doctorbook.cli.commands.schedule.render import hhmm, schedule_json
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json, print_table


@translate_errors
def show(json_output: JsonOutput = False) -> None:
    """Show your weekly rules and the exceptions from today on."""
    from doctorbook.core.scheduling import schedule

    view = CliContext.from_env().core.run(schedule.show_schedule)
    if json_output:
        print_json(schedule_json(view))
        return
    echo(f"Timezone: {view.timezone or 'not set (doctorbook profile set --timezone)'}")
    if not view.rules:
        echo("No weekly rules yet. Add one with: doctorbook schedule add-rule "
             "--weekday mon --start 09:00 --end 17:00")
    else:
        print_table("Weekly rules", ["ID", "Day", "From", "To", "Slot", "Valid from",
                                     "Valid until"], [
            [str(r.id), r.weekday_name, hhmm(r.start_time) or "", hhmm(r.end_time) or "",
             f"{r.slot_minutes} min", str(r.valid_from or ""), str(r.valid_until or "")]
            for r in view.rules])
    if view.exceptions:
        print_table("Exceptions", ["ID", "Date", "Kind", "From", "To", "Reason"], [
            [str(e.id), str(e.date), e.kind, hhmm(e.start_time) or "", hhmm(e.end_time) or "",
             e.reason or ""] for e in view.exceptions])
