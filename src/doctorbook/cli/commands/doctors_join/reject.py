"""`doctorbook requests reject ID`."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def reject(request_id: Annotated[int, id_argument("request", help="The request's id.")]) -> None:
    """Reject a request (admin): the requester gets a polite e-mail."""
    from doctorbook.core.doctors import invites

    view = CliContext.from_env().core.run(invites.reject_request, request_id=request_id)
    echo(f"rejected request {view.id} from {view.email}; they will be told by e-mail")
