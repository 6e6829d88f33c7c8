"""`doctorbook staff`: receptionists and admins, invited, listed, disabled and enabled."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Receptionists and admins (admin).",
    commands={
        "add": "add:add",
        "list": "list_staff:list_staff",
        "resend": "resend:resend",
        "disable": "disable:disable",
        "enable": "enable:enable",
    },
)
