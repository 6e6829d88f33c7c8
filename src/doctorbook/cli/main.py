"""The root of the CLI: it only wires the sub-apps and commands together."""

from __future__ import annotations

import typer

from doctorbook.cli.commands import (
    account,
    admin,
    appointments,
    audit,
    db,
    doctors,
    doctors_join,
    outbox,
    password,
    patients,
    profile,
    reviews,
    schedule,
    slots,
    specialties,
    staff,
)
from doctorbook.cli.commands.app import demo, kiosk, tui
from doctorbook.cli.commands.auth import login, logout, refresh, register, whoami
from doctorbook.cli.commands.booking import book
from doctorbook.cli.commands.dispatch import emails as dispatch_emails
from doctorbook.cli.commands.doctors_join import accept_invite, invite, request_join
from doctorbook.cli.commands.metrics import metrics
from doctorbook.cli.commands.password import activate
from doctorbook.cli.commands.reviews import review
from doctorbook.cli.commands.search import search
from doctorbook.cli.errors import OneLineErrors

app = typer.Typer(
    name="doctorbook",
    help="Appointment booking for a clinic network, from the terminal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=OneLineErrors,
)

app.command("register")(register.register)
app.command("login")(login.login)
app.command("logout")(logout.logout)
app.command("whoami")(whoami.whoami)
app.command("refresh")(refresh.refresh)
app.command("tui")(tui.tui)
app.command("kiosk")(kiosk.kiosk)
app.command("demo")(demo.demo)
app.command("search")(search.search)
app.command("book")(book.book)
app.command("invite")(invite.invite)
app.command("request-join")(request_join.request_join)
app.command("accept-invite")(accept_invite.accept_invite)
app.command("activate")(activate.activate)
app.command("dispatch-emails")(dispatch_emails.dispatch_emails)
app.command("review")(review.review)
app.command("metrics")(metrics.metrics)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(appointments.app, name="appointments")
app.add_typer(specialties.app, name="specialties")
app.add_typer(doctors_join.requests_app, name="requests")
app.add_typer(profile.app, name="profile")
app.add_typer(doctors.app, name="doctors")
app.add_typer(outbox.app, name="outbox")
app.add_typer(schedule.app, name="schedule")
app.add_typer(slots.app, name="slots")
app.add_typer(audit.app, name="audit")
app.add_typer(reviews.app, name="reviews")
app.add_typer(staff.app, name="staff")
app.add_typer(account.app, name="account")
app.add_typer(password.app, name="password")
app.add_typer(patients.app, name="patients")


def run() -> None:
    app()
