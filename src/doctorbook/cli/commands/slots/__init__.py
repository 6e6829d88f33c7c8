"""`doctorbook slots`: materialising bookable slots, and finding the next open ones."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Bookable slots: generate and prune them; find the next open one (desk, admins, "
    "doctors).",
    commands={
        "generate": "generate:generate",
        "prune": "prune:prune",
        "next": "next_slot:next_slot",
        "earliest": "earliest:earliest",
    },
)
