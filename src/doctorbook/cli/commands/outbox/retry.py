"""`doctorbook outbox retry ID`: queue a failed e-mail again (admin, audited)."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def retry(
    outbox_id: Annotated[int, id_argument("e-mail", help="The e-mail's outbox id.")],
) -> None:
    """Put a failed e-mail back in the queue: attempts start over, it is due at once."""
    from doctorbook.core.mail.admin import retry as retry_message

    view = CliContext.from_env().core.run(retry_message, outbox_id=outbox_id)
    echo(
        f"E-mail {view.id} ({view.kind}) to {view.to} is queued again; "
        "the next `doctorbook dispatch-emails` run sends it."
    )
