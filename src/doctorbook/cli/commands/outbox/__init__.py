"""`doctorbook outbox`: admins watch the e-mail queue and put failed e-mails back in it."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="The e-mail outbox (admin): list, retry.",
    commands={
        "list": "list:list_outbox",
        "retry": "retry:retry",
    },
)
