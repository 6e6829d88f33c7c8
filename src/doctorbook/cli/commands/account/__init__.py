"""`doctorbook account`: your own details (phone, date of birth) and e-mail address."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.account import confirm_email, email, set_details, show

app = typer.Typer(help="Your own account: details and e-mail address.", no_args_is_help=True)
app.command("show")(show.show)
app.command("set")(set_details.set_details)
app.command("email")(email.email)
app.command("confirm-email")(confirm_email.confirm_email)
