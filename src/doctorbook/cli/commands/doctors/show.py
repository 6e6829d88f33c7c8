"""`doctorbook doctors show ID [--date D]`: a doctor's public profile and a week of open slots."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.doctor_render import print_profile, print_week, profile_json
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json


@translate_errors
def show(
    doctor_id: Annotated[int, typer.Argument(help="The doctor's id (from search).", min=1)],
    on: Annotated[str | None, typer.Option(
        "--date", help="First day of the week of open slots, YYYY-MM-DD (default: today in "
                       "the clinic's timezone).")] = None,
    json_output: JsonOutput = False,
) -> None:
    """Show a doctor's profile: specialties, clinic, price, rating, reviews and a week of open
    slots."""
    from doctorbook.core import availability, doctors
    from doctorbook.core.schedule import parse_date

    first_day = parse_date(on, "--date")
    ctx = CliContext.from_env()
    actor = ctx.actor_or_anonymous()
    with ctx.db.unit_of_work() as uow:
        profile = doctors.show_doctor(uow, actor=actor, doctor_id=doctor_id)
        week = availability.doctor_week(uow, profile=profile, first_day=first_day)
    if json_output:
        print_json(profile_json(profile, private=False, week=week))
        return
    print_profile(profile, private=False)
    print_week(week)
