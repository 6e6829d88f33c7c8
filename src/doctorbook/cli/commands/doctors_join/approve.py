"""`doctorbook requests approve ID`."""

from __future__ import annotations

from typing import Annotated

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.ids import id_argument
from doctorbook.cli.render import echo


@translate_errors
def approve(request_id: Annotated[int, id_argument("request", help="The request's id.")]) -> None:
    """Approve a request (admin): the invite e-mail goes to the requester."""
    from datetime import timedelta

    from doctorbook.core.doctors import invites

    ctx = CliContext.from_env()
    view = ctx.core.run(invites.approve_request, request_id=request_id,
                        ttl=timedelta(hours=ctx.settings.invite_ttl_hours))
    echo(f"approved; invitation for {view.email} queued (e-mail {view.outbox_id})")
