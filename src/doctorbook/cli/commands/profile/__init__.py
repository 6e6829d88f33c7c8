"""`doctorbook profile`: a doctor's own profile."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Your doctor profile: show it, or set its fields.",
    commands={
        "show": "show:show",
        "set": "set_cmd:set_profile",
    },
)
