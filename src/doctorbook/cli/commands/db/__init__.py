"""`doctorbook db`: migrations and the embedded server."""

from __future__ import annotations

from doctorbook.cli.lazy import lazy_app

app = lazy_app(
    __name__,
    help="Migrations, the embedded server, backups.",
    commands={
        "upgrade": "upgrade:upgrade",
        "status": "status:status",
        "start": "start:start",
        "stop": "stop:stop",
        "backup": "backup:backup",
        "restore": "restore:restore",
    },
)
