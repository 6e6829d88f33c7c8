"""`doctorbook patients`: add and find patients (desk); disable, enable or erase a patient's
account, give a walk-in an e-mail, resend activation."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Patients' accounts (desk and admin).",
    commands={
        "add": "add:add",
        "find": "find:find",
        "set-email": "set_email:set_email",
        "disable": "disable:disable",
        "enable": "enable:enable",
        "send-activation": "send_activation:send_activation",
        "erase": "erase:erase",
    },
)
