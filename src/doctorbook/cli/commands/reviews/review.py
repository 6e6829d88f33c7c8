"""`doctorbook review APPOINTMENT_ID --rating 1-5 [--comment C] [--nps 0-10]`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext, read_stdin
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def review(
    appointment_id: Annotated[int, id_argument(
        "appointment", metavar="APPOINTMENT_ID",
        help="Your completed visit's id (from `appointments list`).")],
    rating: Annotated[int, typer.Option(
        "--rating", metavar="1-5", help="Your rating: 1 (poor) to 5 (excellent).")],
    comment: Annotated[str | None, typer.Option(
        "--comment", metavar="TEXT",
        help="What others should know, at most 2,000 characters; `-` reads it from standard "
             "input.")] = None,
    nps: Annotated[int | None, typer.Option(
        "--nps", metavar="0-10",
        help="Optional: how likely you are to recommend the clinic, 0 (not at all) to 10.",
    )] = None,
    json_output: JsonOutput = False,
) -> None:
    """Review a completed visit (its patient, once). The doctor's profile shows your first
    name and the visit's month."""
    from doctorbook.core.base.errors import ValidationError
    from doctorbook.core.feedback import reviews

    text = read_stdin() if comment == "-" else comment
    # Bad input is refused before anything connects or asks who you are (exit 2, one line).
    reviews.check_rating(rating)
    reviews.clean_comment(text)
    if nps is not None and not 0 <= nps <= 10:
        raise ValidationError("the recommendation score (--nps) must be from 0 to 10")
    view = CliContext.from_env().core.run(reviews.submit_review, appointment_id=appointment_id,
                                          rating=rating, comment=text, nps=nps)
    if json_output:
        print_json({"id": view.id, "appointment_id": view.appointment_id,
                    "doctor_id": view.doctor_id, "rating": view.rating,
                    "comment": view.comment, "nps": nps})
        return
    thanks = "" if nps is None else f" Your recommendation score {nps}/10 is recorded too."
    echo(f"Thank you: review {view.id} of appointment {view.appointment_id} "
         f"({view.rating}/5) is published on the doctor's profile.{thanks}")
