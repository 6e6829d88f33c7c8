"""Turning core errors into one line on stderr and the contract's exit codes (0/1/2)."""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec, TypeVar

import typer

# Typer 0.29 (pinned below 0.30) runs on its own vendored copy of click: its exceptions are
# these, not the `click` package's.
from typer._click import exceptions as click
from typer._click.core import Context
from typer.core import TyperGroup

from doctorbook.cli.render import plain
from doctorbook.core.errors import ConfigurationError, DoctorbookError, ValidationError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_REFUSED) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise.

    Messages often quote what a person typed, so the line is made printable (a newline or an
    ESC in it would break the one-line contract or reach the terminal).
    """
    typer.echo(f"error: {plain(message)}", err=True)
    return typer.Exit(code)


def exit_code_for(err: DoctorbookError) -> int:
    return EXIT_BAD_INPUT if isinstance(err, ValidationError | ConfigurationError) else EXIT_REFUSED


def _database_error(exc: Exception) -> str | None:
    """A message for SQLAlchemy/psycopg connection failures, without importing them eagerly."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        from doctorbook.core.db import describe_unreachable

        return describe_unreachable(exc)
    return None


def translate_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Every command is wrapped: foreseeable errors never reach the user as a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DoctorbookError as err:
            raise fail(str(err), exit_code_for(err)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except UnicodeError as exc:
            raise fail(*_unicode_error(exc)) from None
        except BrokenPipeError:
            raise  # `| head` closed the pipe: Typer exits quietly
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{where}") from None
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            raise fail(message) from None

    return wrapper


def _unicode_error(exc: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 (stdin, a file, or argv's lone surrogates) are bad input;
    text this terminal's encoding cannot show is the environment's problem."""
    if isinstance(exc, UnicodeDecodeError):
        return "the input is not valid UTF-8", EXIT_BAD_INPUT
    if isinstance(exc, UnicodeEncodeError):
        bad = exc.object[exc.start:exc.end]
        if any("\ud800" <= ch <= "\udfff" for ch in bad):
            return "the input is not valid UTF-8", EXIT_BAD_INPUT
        return (f"this terminal cannot show some text ({exc.encoding}); use a UTF-8 locale, "
                "e.g. LANG=C.UTF-8"), EXIT_REFUSED
    return str(exc), EXIT_BAD_INPUT


#: A negative number where an id belongs reads to click as an unknown option.
_NEGATIVE = re.compile(r"-\d+")


@contextlib.contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    """Click's usage errors (missing or unknown options, bad values) as one line on stderr,
    exit 2, like every other error; a group called without a command still shows its help."""
    try:
        yield
    except click.NoArgsIsHelpError:
        raise
    except click.UsageError as exc:
        message = exc.format_message()
        if isinstance(exc, click.NoSuchOption) and _NEGATIVE.fullmatch(exc.option_name):
            from doctorbook.cli.ids import MAX_ID

            message += f" (ids are whole numbers from 1 to {MAX_ID})"
        elif exc.ctx is not None and (
            not isinstance(exc, click.BadParameter) or isinstance(exc, click.MissingParameter)
        ):
            message = f"{message.rstrip('.')} (see `{exc.ctx.command_path} --help`)"
        raise fail(message, EXIT_BAD_INPUT) from None


def _undecodable(args: Sequence[str]) -> str | None:
    """The first argument that was not UTF-8 (Python keeps its bytes as lone surrogates)."""
    for arg in args:
        if any("\ud800" <= ch <= "\udfff" for ch in arg):
            try:
                raw = arg.encode("utf-8", "surrogateescape")  # the bytes as typed
            except UnicodeEncodeError:  # a surrogate no decoder makes (only in-process)
                raw = arg.encode("utf-8", "backslashreplace")
            shown = repr(raw[:40]) + ("..." if len(raw) > 40 else "")
            return f"an argument is not valid UTF-8: {shown}"
    return None


class OneLineErrors(TyperGroup):
    """The root command: every usage error is one line, and undecodable argv bytes are
    refused before anything parses them."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        problem = _undecodable(args)
        if problem is not None:
            raise fail(problem, EXIT_BAD_INPUT)
        with _one_line_usage_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)
