"""`doctorbook db restore FILE --yes`: replace the whole database with a backup."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import EXIT_BAD_INPUT, fail, translate_errors
from doctorbook.cli.render import echo


@translate_errors
def restore(
    path: Annotated[Path, typer.Argument(help="A file `doctorbook db backup` wrote.",
                                         show_default=False)],
    yes: Annotated[bool, typer.Option(
        "--yes", help="Don't ask: every record is replaced by the backup's.")] = False,
) -> None:
    """Replace every record with the backup's in one transaction, then apply migrations.

    Stop the dispatcher, kiosks and desks first: a restore waits 10 s for them, then gives up."""
    from doctorbook.core import backup as backups

    revision = backups.read_revision(path)  # a wrong file is refused before anything else
    ctx = CliContext.from_env()
    if not yes:
        if not sys.stdin.isatty():
            raise fail("db restore replaces every record; pass --yes to go ahead",
                       EXIT_BAD_INPUT)
        where = backups.target(ctx.settings).label
        typer.confirm(
            f"Replace every record in {where} with {path} (migration {revision})?", abort=True)
    report = backups.restore(ctx.settings, path)
    echo(f"restored {report.path} into {report.database} "
         f"(backup at migration {report.revision}, now {report.head})")
