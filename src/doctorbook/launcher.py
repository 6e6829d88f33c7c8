"""The `doctorbook` console script: `tui` and `kiosk` open the app without loading the CLI."""

from __future__ import annotations

import errno
import os
import sys
from typing import Literal, NoReturn


def run() -> None:
    """`doctorbook tui` and `doctorbook kiosk`, exactly, go straight to the app: Typer and click
    (about 45 ms of imports) would only parse one word, before the login form could be drawn
    (issue 13: first paint). Anything else, `--help` and `tui --help` included, is the CLI's.

    The root command takes no option that applies to the app (only the eager `--version`),
    so a command line with any option goes to the CLI, as does shell completion."""
    args = sys.argv[1:]
    if args in (["tui"], ["kiosk"]) and "_DOCTORBOOK_COMPLETE" not in os.environ:
        from doctorbook.cli.commands.app.terminal import open_app

        command: Literal["tui", "kiosk"] = "kiosk" if args == ["kiosk"] else "tui"
        try:
            open_app(command)
        except SystemExit:
            raise
        except BaseException as error:  # reported as the CLI would
            _exit_as_the_cli_would(error)
        return
    from doctorbook.cli.main import run as run_cli

    run_cli()


def _exit_as_the_cli_would(error: BaseException) -> NoReturn:
    """What the CLI's `tui` command (`translate_errors`, under Typer) does with `error`: one
    line on stderr and the contract's exit code; anything else is raised as it would be there.
    Typer is imported only now, with an error to report."""
    import typer

    from doctorbook.cli.errors import translate_errors

    def reraise() -> None:
        raise error

    try:
        translate_errors(reraise)()
    except typer.Exit as done:  # `fail` printed the line, or the terminal was refused
        sys.exit(done.exit_code)
    except EOFError:  # as Typer's main: a newline, "Aborted!", exit 1
        print(file=sys.stderr)
        print("Aborted!", file=sys.stderr)
        sys.exit(1)
    except OSError as failed:
        if failed.errno != errno.EPIPE:
            raise
        sys.exit(1)  # the terminal went away (Typer's main exits quietly too)
    raise AssertionError("unreachable: reraise always raises")  # pragma: no cover
