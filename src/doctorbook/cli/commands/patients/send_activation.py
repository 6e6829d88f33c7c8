"""`doctorbook patients send-activation ID`: e-mail "set your password" again (desk)."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def send_activation(
    patient_id: Annotated[int, id_argument("patient", help="The patient's id.")],
) -> None:
    """Send a patient the desk created a new "set your password" e-mail (72 h; the previous
    code stops working)."""
    from doctorbook.core.accounts import accounts

    outbox_id = CliContext.from_env().core.run(accounts.send_activation, patient_id=patient_id)
    echo(f"activation e-mail queued (e-mail {outbox_id})")
