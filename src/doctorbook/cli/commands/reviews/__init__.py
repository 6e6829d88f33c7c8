"""Reviews: `doctorbook review` (the patient, top level) and `doctorbook reviews hide` (admin)."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Review moderation (admin): hide.",
    commands={
        "hide": "hide:hide",
    },
)
