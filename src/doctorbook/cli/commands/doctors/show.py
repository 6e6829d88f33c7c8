"""`doctorbook doctors show ID`: a doctor's public profile."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.doctor_render import print_profile, profile_json
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json


@translate_errors
def show(
    doctor_id: Annotated[int, typer.Argument(help="The doctor's id (from search).", min=1)],
    json_output: JsonOutput = False,
) -> None:
    """Show a doctor's profile: specialties, clinic, price, rating and reviews."""
    from doctorbook.core import doctors

    ctx = CliContext.from_env()
    actor = ctx.actor_or_anonymous()
    with ctx.db.unit_of_work() as uow:
        profile = doctors.show_doctor(uow, actor=actor, doctor_id=doctor_id)
    if json_output:
        print_json(profile_json(profile, private=False))
        return
    print_profile(profile, private=False)
