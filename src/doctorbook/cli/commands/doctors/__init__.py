"""`doctorbook doctors`: public profiles; suspending and reactivating (admin)."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Doctors: show a profile; suspend or activate (admin).",
    commands={
        "show": "show:show",
        "suspend": "status:suspend",
        "activate": "status:activate",
    },
)
