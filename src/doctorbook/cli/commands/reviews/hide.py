"""`doctorbook reviews hide ID --reason R`: take a review off a profile (admin, audited)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def hide(
    review_id: Annotated[int, id_argument(
        "review", help="The review's id (from `doctors show ID --json`).")],
    reason: Annotated[str, typer.Option(
        "--reason", help="Why it is hidden (kept in the audit log).")],
    json_output: JsonOutput = False,
) -> None:
    """Hide a review: it leaves the doctor's profile and average rating (admin; audited)."""
    from doctorbook.core.base.errors import ValidationError
    from doctorbook.core.feedback.reviews import clean_comment, hide_review

    if not clean_comment(reason):
        raise ValidationError("give a reason for hiding the review (--reason)")
    view = CliContext.from_env().core.run(hide_review, review_id=review_id, reason=reason)
    if json_output:
        print_json({"id": view.id, "appointment_id": view.appointment_id,
                    "doctor_id": view.doctor_id, "rating": view.rating, "hidden": view.hidden})
        return
    echo(f"Hid review {view.id}: it no longer shows on doctor {view.doctor_id}'s profile "
         "or counts in their rating.")
