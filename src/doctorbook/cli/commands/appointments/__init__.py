"""`doctorbook appointments`: list, show and manage the appointments you may see."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help=(
        "Appointments: list, show, cancel, reschedule; confirm, check-in, complete, "
        "no-show, resend the confirmation (doctor or desk); note (doctors)."
    ),
    commands={
        "list": "list:list_appointments",
        "show": "show:show",
        "cancel": "cancel:cancel",
        "reschedule": "reschedule:reschedule",
        "confirm": "confirm:confirm",
        "check-in": "check_in:check_in",
        "complete": "complete:complete",
        "no-show": "no_show:no_show",
        "note": "note:note",
        "resend": "resend:resend",
    },
)
