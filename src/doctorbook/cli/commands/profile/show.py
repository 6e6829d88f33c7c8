"""`doctorbook profile show`."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.doctor_render import print_profile, profile_json
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import print_json


@translate_errors
def show(json_output: JsonOutput = False) -> None:
    """Show your doctor profile and what is still missing before patients can find you."""
    from doctorbook.core.doctors import doctors

    profile = CliContext.from_env().core.run(doctors.own_profile)
    if json_output:
        print_json(profile_json(profile, private=True))
        return
    print_profile(profile, private=True)
