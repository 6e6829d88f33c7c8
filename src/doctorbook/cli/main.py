"""The root of the CLI: which commands exist, where each lives, and its line in `--help`.

Nothing here imports a command module: `doctorbook whoami` imports `auth/whoami.py` and what
it needs, and `doctorbook --help` lists every command from the lines below (a test keeps each
line equal to the first paragraph of its command's own help).
"""

from __future__ import annotations

from typing import Annotated

import typer

from doctorbook.cli.errors import OneLineErrors
from doctorbook.cli.lazy import Entry, LazyGroup

_C = "doctorbook.cli.commands"

COMMANDS: dict[str, Entry] = {
    "register": Entry(f"{_C}.auth.register:register",
                      "Register as a patient (password of 10 to 128 characters, not a common "
                      "one)."),
    "login": Entry(f"{_C}.auth.login:login",
                   "Log in; the session is kept in the keyring (or a private file) under "
                   "DOCTORBOOK_PROFILE."),
    "logout": Entry(f"{_C}.auth.logout:logout",
                    "Log out: the session is revoked on the server and forgotten here."),
    "whoami": Entry(f"{_C}.auth.whoami:whoami",
                    "Show the logged-in user (refreshing an expired session transparently)."),
    "refresh": Entry(f"{_C}.auth.refresh:refresh",
                     "Exchange the refresh token for a new pair (the old one stops working)."),
    "tui": Entry(f"{_C}.app.tui:tui",
                 "Open the terminal app (login, then the home screen of your role)."),
    "kiosk": Entry(f"{_C}.app.kiosk:kiosk",
                   "Open the patient kiosk: patient screens only, no stored login, logout when "
                   "idle."),
    "demo": Entry(f"{_C}.app.demo:demo",
                  "Create (or reuse) the demo clinic under <home>/demo and print its logins."),
    "search": Entry(f"{_C}.search.search:search",
                    "Find doctors by specialty, city, date and name, with their next open slots "
                    "(no login needed)."),
    "book": Entry(f"{_C}.booking.book:book",
                  "Book an open slot. It is confirmed at once if the doctor auto-confirms, else "
                  "pending."),
    "invite": Entry(f"{_C}.doctors_join.invite:invite",
                    "Invite a doctor (admin): a one-time token goes out by e-mail "
                    "(dispatch-emails sends it)."),
    "request-join": Entry(f"{_C}.doctors_join.request_join:request_join",
                          "Ask to join as a doctor (no login); an admin approves it and you get "
                          "an invite e-mail."),
    "accept-invite": Entry(f"{_C}.doctors_join.accept_invite:accept_invite",
                           "Accept an invitation: choose a password; then log in (doctors "
                           "complete their profile)."),
    "activate": Entry(f"{_C}.password.activate:activate",
                      "Choose your first password with the code from the clinic's e-mail "
                      "(72 h, once)."),
    "dispatch-emails": Entry(f"{_C}.dispatch.emails:dispatch_emails",
                             "Send queued e-mails: --once for cron, otherwise a daemon polling "
                             "the outbox."),
    "review": Entry(f"{_C}.reviews.review:review",
                    "Review a completed visit (its patient, once). The doctor's profile shows "
                    "your first name and the visit's month."),
    "metrics": Entry(f"{_C}.metrics.metrics:metrics",
                     "Search CTR, booking conversion, cancellations, no-shows, e-mail delivery, "
                     "ratings and NPS over a period of UTC days (admin). Every rate shows its "
                     "numerator and denominator."),
    "db": Entry(f"{_C}.db:app", "Migrations, the embedded server, backups."),
    "admin": Entry(f"{_C}.admin:app", "Administrator accounts."),
    "appointments": Entry(f"{_C}.appointments:app",
                          "Appointments: list, show, cancel, reschedule; confirm, check-in, "
                          "complete, no-show, resend the confirmation (doctor or desk); "
                          "note (doctors)."),
    "specialties": Entry(f"{_C}.specialties:app", "The specialties taxonomy (admins change it)."),
    "requests": Entry(f"{_C}.doctors_join:requests_app",
                      "Self-serve requests to join as a doctor (admin)."),
    "profile": Entry(f"{_C}.profile:app", "Your doctor profile: show it, or set its fields."),
    "doctors": Entry(f"{_C}.doctors:app", "Doctors: show a profile; suspend or activate (admin)."),
    "outbox": Entry(f"{_C}.outbox:app", "The e-mail outbox (admin): list, retry."),
    "schedule": Entry(f"{_C}.schedule:app", "Your weekly schedule and its exceptions (doctors)."),
    "slots": Entry(f"{_C}.slots:app",
                   "Bookable slots: generate and prune them; find the next open one (desk, "
                   "admins, doctors)."),
    "audit": Entry(f"{_C}.audit:app", "The audit log (admin): list."),
    "reviews": Entry(f"{_C}.reviews:app", "Review moderation (admin): hide."),
    "staff": Entry(f"{_C}.staff:app", "Receptionists and admins (admin)."),
    "account": Entry(f"{_C}.account:app", "Your own account: details and e-mail address."),
    "password": Entry(f"{_C}.password:app", "Forgot your password, reset it, change it."),
    "patients": Entry(f"{_C}.patients:app", "Patients' accounts (desk and admin)."),
}


class Root(LazyGroup, OneLineErrors):
    """`doctorbook`: commands loaded on use, usage errors on one line."""

    entries = COMMANDS


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"doctorbook {version('doctorbook')}")
        raise typer.Exit()


app = typer.Typer(
    name="doctorbook",
    help="Appointment booking for a clinic network, from the terminal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=Root,
)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Show the version and exit.",
    )] = False,
) -> None:
    pass


def run() -> None:
    app()
