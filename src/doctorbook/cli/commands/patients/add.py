"""`doctorbook patients add --name N [--email E] [--phone P] [--born DATE]`: a new patient."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.commands.patients.shown import born_option, contact_line
from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def add(
    name: Annotated[str, typer.Option("--name", help="The patient's full name.",
                                      show_default=False)],
    email: Annotated[str | None, typer.Option(
        "--email", help="Their e-mail address; a walk-in may have none.",
        show_default=False)] = None,
    phone: Annotated[str | None, typer.Option(
        "--phone", help="Their phone number.", show_default=False)] = None,
    born: Annotated[str | None, born_option("Their date of birth.")] = None,
    json_output: JsonOutput = False,
) -> None:
    """Create a patient record to book for (desk). Give an e-mail, a phone number or a date of
    birth; with an e-mail they get a "set your password" e-mail (dispatch-emails sends it)."""
    from doctorbook.core.accounts import patients

    birth = patients.typed_date(born.strip()) if born else None
    if born and birth is None:
        raise fail(f"--born must be a date (1980-03-12 or 12.03.1980), not {born[:40]!r}",
                   EXIT_BAD_INPUT)
    view = CliContext.from_env().core.run(patients.create_patient, name=name, email=email,
                                          phone=phone, date_of_birth=birth)
    if json_output:
        print_json(view)
        return
    mailed = ("; a \"set your password\" e-mail is queued" if view.email is not None
              else "; no e-mail address, so nothing was sent")
    echo(f"patient {view.id} created: {contact_line(view)}{mailed}")
