"""`doctorbook slots`: materialising bookable slots from the schedules."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Bookable slots (doctors: own; admins and cron: all).",
    commands={
        "generate": "generate:generate",
    },
)
