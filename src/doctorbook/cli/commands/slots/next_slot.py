"""`doctorbook slots next DOCTOR_ID [--json]`: a doctor's next open slot, any day."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json

if TYPE_CHECKING:
    from doctorbook.core.scheduling.dayview import DaySlot

#: Said under a slot inside the doctor's lead time (the desk may still book it).
SHORT_NOTICE = ("Short notice: inside the doctor's lead time; staff book it with "
                "--override-policy (audited).")


@translate_errors
def next_slot(
    doctor_id: Annotated[int, id_argument("doctor", help="The doctor's id (from search).")],
    json_output: JsonOutput = False,
) -> None:
    """Show a doctor's next open slot, on any day up to the booking horizon (desk and admins;
    a doctor: their own).

    A slot inside the doctor's lead time counts; it is marked short notice.
    """
    from doctorbook.core.scheduling.availability import HORIZON
    from doctorbook.core.scheduling.dayview import next_open_slot

    found = CliContext.from_env().core.run(next_open_slot, doctor_id=doctor_id)
    if json_output:
        print_json({"doctor_id": doctor_id,
                    "slot": None if found is None else slot_json(found)})
        return
    if found is None:
        echo(f"No open slot in the next {HORIZON.days} days.")
        return
    echo(f"{found.starts_at:%a %d %b %Y %H:%M}-{found.ends_at:%H:%M} ({found.timezone}), "
         f"slot #{found.slot_id}")
    if found.short_notice:
        echo(SHORT_NOTICE)
    echo(f"Book it with: doctorbook book {found.slot_id} --patient EMAIL")


def slot_json(slot: DaySlot) -> dict[str, Any]:
    """`starts_at`/`ends_at` keep the clinic's UTC offset, e.g. 2026-11-30T09:00:00+01:00."""
    return {"slot_id": slot.slot_id, "starts_at": slot.starts_at.isoformat(),
            "ends_at": slot.ends_at.isoformat(), "timezone": slot.timezone,
            "short_notice": slot.short_notice}
