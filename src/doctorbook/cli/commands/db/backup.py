"""`doctorbook db backup PATH [--keep N] [--force]`: the whole database into one file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.options import JsonOutput
from doctorbook.cli.render import echo, print_json


@translate_errors
def backup(
    path: Annotated[Path, typer.Argument(
        help="A file to write, or a directory to write doctorbook-YYYYmmdd-HHMMSS.dump into.",
        show_default=False)],
    keep: Annotated[int | None, typer.Option(
        "--keep", help="Into a directory: then keep only the newest N backups there.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    json_output: JsonOutput = False,
) -> None:
    """Back up the database (pg_dump custom format, readable only by you)."""
    from doctorbook.core import backup as backups

    ctx = CliContext.from_env()
    report = backups.backup(ctx.settings, path, now=ctx.clock.now().astimezone(), keep=keep,
                            force=force)
    if json_output:
        print_json({"path": str(report.path), "bytes": report.size, "revision": report.revision,
                    "removed": [str(p) for p in report.removed]})
        return
    echo(f"backed up to {report.path} ({_size(report.size)}, migration {report.revision})")
    if report.removed:
        echo(f"removed {len(report.removed)} older backup(s), keeping the newest {keep}")


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GiB":
            break
    return f"{scaled:.1f} {unit}"
