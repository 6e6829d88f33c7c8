"""The root of the CLI: it only wires the sub-apps and commands together."""

from __future__ import annotations

import typer

from doctorbook.cli.commands import admin, appointments, db
from doctorbook.cli.commands.app import demo, kiosk, tui
from doctorbook.cli.commands.auth import login, logout, refresh, register, whoami

app = typer.Typer(
    name="doctorbook",
    help="Appointment booking for a clinic network, from the terminal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(appointments.app, name="appointments")
app.command("register")(register.register)
app.command("login")(login.login)
app.command("logout")(logout.logout)
app.command("whoami")(whoami.whoami)
app.command("refresh")(refresh.refresh)
app.command("tui")(tui.tui)
app.command("kiosk")(kiosk.kiosk)
app.command("demo")(demo.demo)


def run() -> None:
    app()
