"""`doctorbook db upgrade`: apply every pending migration."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def upgrade() -> None:
    """Apply pending migrations (starting the embedded server if that is the database)."""
    from doctorbook.core.base import migrate
    from doctorbook.core.base.db import database_url, make_engine

    ctx = CliContext.from_env()
    engine = make_engine(database_url(ctx.settings))
    try:
        before = migrate.status(engine)
        migrate.upgrade(engine)
        after = migrate.status(engine)
    finally:
        engine.dispose()
    if before.current == after.current:
        echo(f"database already at {after.current} (head)")
    else:
        echo(f"database upgraded from {before.current or 'empty'} to {after.current} (head)")
