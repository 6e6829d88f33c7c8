"""`doctorbook staff add EMAIL --name N --role receptionist|admin`: invite a staff member."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import Name
from doctorbook.cli.render import echo


class StaffRole(StrEnum):
    RECEPTIONIST = "receptionist"
    ADMIN = "admin"


@translate_errors
def add(
    email: Annotated[str, typer.Argument(help="Their e-mail address.", show_default=False)],
    name: Name,
    role: Annotated[StaffRole, typer.Option("--role", help="receptionist or admin.",
                                            case_sensitive=False)],
) -> None:
    """Invite a receptionist or an admin: a one-time token goes by e-mail (72 h); they run
    `doctorbook accept-invite` with it and choose a password."""
    from datetime import timedelta

    from doctorbook.core.accounts import accounts
    from doctorbook.core.base.rbac import Role

    ctx = CliContext.from_env()
    view = ctx.core.run(accounts.invite_staff, email=email, name=name, role=Role(role.value),
                        ttl=timedelta(hours=ctx.settings.invite_ttl_hours))
    echo(f"invitation for {view.name} <{view.email}> as {view.role} queued "
         f"(e-mail {view.outbox_id}); valid until {view.expires_at.isoformat(timespec='minutes')}")
