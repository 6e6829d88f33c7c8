"""`doctorbook requests approve ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors


@translate_errors
def approve(request_id: Annotated[int, typer.Argument(help="The request's id.", min=1)]) -> None:
    """Approve a request (admin): the invite e-mail goes to the requester."""
    from datetime import timedelta

    from doctorbook.core import invites

    ctx = CliContext.from_env()
    actor = ctx.actor()
    with ctx.db.unit_of_work() as uow:
        view = invites.approve_request(uow, actor=actor, request_id=request_id,
                                       ttl=timedelta(hours=ctx.settings.invite_ttl_hours))
    typer.echo(f"approved; invitation for {view.email} queued (e-mail {view.outbox_id})")
