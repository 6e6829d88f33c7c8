"""`doctorbook patients`: disable, enable or erase a patient's account, resend activation."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Patients' accounts (desk and admin).",
    commands={
        "disable": "disable:disable",
        "enable": "enable:enable",
        "send-activation": "send_activation:send_activation",
        "erase": "erase:erase",
    },
)
