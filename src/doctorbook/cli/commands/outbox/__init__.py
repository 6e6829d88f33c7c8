"""`doctorbook outbox`: admins watch the e-mail queue and put failed e-mails back in it."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.outbox import list as list_cmd
from doctorbook.cli.commands.outbox import retry as retry_cmd

app = typer.Typer(help="The e-mail outbox (admin): list, retry.", no_args_is_help=True)
app.command("list")(list_cmd.list_outbox)
app.command("retry")(retry_cmd.retry)
