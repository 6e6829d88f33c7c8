"""`doctorbook admin`: administrator accounts."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Administrator accounts.",
    commands={
        "create": "create:create",
    },
)
