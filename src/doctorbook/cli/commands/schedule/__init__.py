"""`doctorbook schedule`: a doctor's weekly rules and per-date exceptions."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.schedule import (
    add_exception,
    add_rule,
    remove_exception,
    remove_rule,
    show,
)

app = typer.Typer(help="Your weekly schedule and its exceptions (doctors).", no_args_is_help=True)
app.command("show")(show.show)
app.command("add-rule")(add_rule.add_rule)
app.command("remove-rule")(remove_rule.remove_rule)
app.command("add-exception")(add_exception.add_exception)
app.command("remove-exception")(remove_exception.remove_exception)
