"""`doctorbook audit`: read the append-only audit log (admin)."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="The audit log (admin): list.",
    commands={
        "list": "list:list_audit",
    },
)
