"""How doctors join: invite, request-join, requests, accept-invite."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.doctors_join import approve, list_requests, reject

requests_app = typer.Typer(help="Self-serve requests to join as a doctor (admin).",
                           no_args_is_help=True)
requests_app.command("list")(list_requests.list_requests)
requests_app.command("approve")(approve.approve)
requests_app.command("reject")(reject.reject)
