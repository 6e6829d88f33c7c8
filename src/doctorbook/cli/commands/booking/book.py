"""`doctorbook book SLOT_ID`: book an open slot (patients for themselves, the desk for anyone)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.appointment_render import status_word, when
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.ids import id_argument, id_option
from doctorbook.cli.options import JsonOutput, OverridePolicy
from doctorbook.cli.render import echo, print_json


@translate_errors
def book(
    slot_id: Annotated[int, id_argument(
        "slot", metavar="SLOT_ID",
        help="The slot's id (the #id in `search` and `doctors show`).")],
    patient: Annotated[str | None, typer.Option(
        "--patient", metavar="EMAIL",
        help="Desk staff: the patient's e-mail. Patients book for themselves.")] = None,
    patient_id: Annotated[int | None, id_option(
        "patient", "--patient-id",
        help="Desk staff: the patient's id (`patients find`), for one without an e-mail.")]
        = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="Why the visit, for the doctor (at most 500 characters).")] = None,
    override_policy: OverridePolicy = False,
    search_id: Annotated[str | None, typer.Option(
        "--search-id", metavar="ID",
        help="The `search_id` of the `search --json` the slot was picked from (for metrics).",
    )] = None,
    json_output: JsonOutput = False,
) -> None:
    """Book an open slot. It is confirmed at once if the doctor auto-confirms, else pending."""
    from doctorbook.core.base.events import parse_search_id
    from doctorbook.core.booking.booking import book as book_slot

    # A malformed search id is bad input: refused before anything connects (exit 2).
    from_search = parse_search_id(search_id)
    if patient is not None and patient_id is not None:
        raise fail("give --patient or --patient-id, not both", EXIT_BAD_INPUT)
    view = CliContext.from_env().core.run(book_slot, slot_id=slot_id, patient_email=patient,
                                          patient_id=patient_id, reason=reason,
                                          override_policy=override_policy, search_id=from_search)
    if json_output:
        print_json(view.to_json())
        return
    # Who booked it is who is logged in: "for ..." only when the desk booked for a patient.
    patient_part = "" if view.patient_id == view.booked_by_id else f" for {view.patient_name}"
    pending = " until the clinic confirms it" if view.status == "pending" else ""
    echo(f"Booked appointment {view.id}{patient_part} with {view.doctor_name} on "
         f"{when(view)} — {status_word(view.status)}{pending}")
