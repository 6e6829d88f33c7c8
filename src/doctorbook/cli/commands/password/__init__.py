"""`doctorbook password`: forgotten (a reset by e-mail) and changed passwords."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Forgot your password, reset it, change it.",
    commands={
        "forgot": "forgot:forgot",
        "reset": "reset:reset",
        "change": "change:change",
    },
)
