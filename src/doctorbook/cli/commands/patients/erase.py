"""`doctorbook patients erase ID --reason R`: anonymise a patient at their request (admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def erase(
    patient_id: Annotated[int, id_argument("patient", help="The patient's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
) -> None:
    """Erase a patient: name, e-mail, phone, date of birth, booking reasons, review comments,
    e-mails and sessions go; visits, ratings and metrics stay under the same id. Final."""
    from doctorbook.core.accounts import erasure

    report = CliContext.from_env().core.run(erasure.erase_patient, patient_id=patient_id,
                                            reason=reason)
    echo(f"erased patient {report.user_id}: {report.appointments} visit(s) and "
         f"{report.reviews} review(s) kept without their details, {report.emails} e-mail(s) "
         f"blanked, {report.sessions} session(s) ended")
