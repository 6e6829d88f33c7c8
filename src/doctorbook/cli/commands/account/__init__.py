"""`doctorbook account`: your own details (phone, date of birth) and e-mail address."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Your own account: details and e-mail address.",
    commands={
        "show": "show:show",
        "set": "set_details:set_details",
        "email": "email:email",
        "confirm-email": "confirm_email:confirm_email",
    },
)
