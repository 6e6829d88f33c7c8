"""`doctorbook patients set-email ID EMAIL`: give a patient the desk created an e-mail (desk)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def set_email(
    patient_id: Annotated[int, id_argument("patient", help="The patient's id.")],
    email: Annotated[str, typer.Argument(help="Their e-mail address.", show_default=False)],
    json_output: JsonOutput = False,
) -> None:
    """Set the e-mail of a patient who has no password yet (a walk-in, or a mistyped address);
    a "set your password" e-mail goes to it (the previous code stops working)."""
    from doctorbook.core.accounts import patients

    view = CliContext.from_env().core.run(patients.set_patient_email, patient_id=patient_id,
                                          email=email)
    if json_output:
        print_json(view)
        return
    sent = "; a \"set your password\" e-mail is queued" if view.is_active else \
        " (the account is disabled: no e-mail sent)"
    echo(f"{view.name}'s e-mail is now {view.email}{sent}")
