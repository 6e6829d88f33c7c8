"""`doctorbook whoami`: who this profile is logged in as."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def whoami(
    json_output: JsonOutput = False,
) -> None:
    """Show the logged-in user (refreshing an expired session transparently)."""
    # identity, not auth: Core SQL only, so this command never imports the ORM or the models
    from doctorbook.core.accounts import identity

    ctx = CliContext.from_env()
    view = ctx.core.run(identity.whoami)
    if json_output:
        print_json({"id": view.id, "email": view.email, "name": view.name,
                    "role": view.role, "profile": ctx.settings.profile})
        return
    echo(f"{view.name} <{view.email}> ({view.role}, profile {ctx.settings.profile})")
