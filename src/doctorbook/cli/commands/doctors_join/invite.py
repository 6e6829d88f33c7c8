"""`doctorbook invite EMAIL --name N [--specialty S]...`: invite a doctor."""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Name
from doctorbook.cli.render import echo


@translate_errors
def invite(
    email: Annotated[str, typer.Argument(help="The doctor's e-mail address.")],
    name: Name,
    specialty: Annotated[
        list[str] | None,
        typer.Option("--specialty", help="A specialty to pre-fill (repeat for several)."),
    ] = None,
) -> None:
    """Invite a doctor (admin): a one-time token goes out by e-mail (dispatch-emails sends it)."""
    from datetime import timedelta

    from doctorbook.core.doctors import invites

    ctx = CliContext.from_env()
    view = ctx.core.run(invites.invite_doctor, email=email, name=name,
                        specialty_names=specialty or [],
                        ttl=timedelta(hours=ctx.settings.invite_ttl_hours))
    echo(f"invitation for {view.name} <{view.email}> queued (e-mail {view.outbox_id}); "
         f"valid until {view.expires_at.isoformat(timespec='minutes')}")
