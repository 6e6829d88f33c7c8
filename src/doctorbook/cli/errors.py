"""Turning errors into the contract's exit codes and one line on stderr (JSON under --json)."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec, TypeVar

import typer

# Typer 0.29 (pinned below 0.30) runs on its own vendored copy of click: its exceptions are
# these, not the `click` package's.
from typer._click import exceptions as click
from typer._click.core import Context
from typer._click.globals import get_current_context
from typer.core import TyperGroup

from doctorbook.cli.render import plain
from doctorbook.core.base.errors import DoctorbookError, ErrorCode

P = ParamSpec("P")
R = TypeVar("R")

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

#: The one table from an error's code to the exit code (README, "Exit codes and errors").
EXIT_CODES: dict[ErrorCode, int] = {
    "not_found": EXIT_REFUSED,
    "permission_denied": EXIT_REFUSED,
    "conflict": EXIT_REFUSED,
    "policy": EXIT_REFUSED,
    "auth": EXIT_REFUSED,
    "unavailable": EXIT_REFUSED,
    "validation": EXIT_BAD_INPUT,
}

#: Where the root command notes that `--json` was typed, for usage errors: they are raised
#: before the command's own options are parsed.
_JSON_TYPED = "doctorbook.json_typed"


def fail(
    message: str, exit_code: int = EXIT_REFUSED, *, code: ErrorCode | None = None,
    as_json: bool | None = None,
) -> typer.Exit:
    """Print the error to stderr as one line and return the Exit to raise.

    Under `--json` the line is `{"error": {"code": ..., "message": ...}}`: json.dumps escapes
    every control and non-ASCII character, so it stays one line and reaches no terminal raw.
    Otherwise it is `error: message`, made printable (messages often quote what a person
    typed: a newline or an ESC would break the one-line contract or reach the terminal).
    `code` defaults from the exit code: commands call `fail(..., EXIT_BAD_INPUT)` for bad input.
    """
    if code is None:
        code = "validation" if exit_code == EXIT_BAD_INPUT else "unavailable"
    if _wants_json() if as_json is None else as_json:
        typer.echo(json.dumps({"error": {"code": code, "message": message}}), err=True)
    else:
        typer.echo(f"error: {plain(message)}", err=True)
    return typer.Exit(exit_code)


def _wants_json() -> bool:
    """Whether the running command was given `--json`, read from its parsed options (the
    Python parameter's name varies; the option's does not)."""
    ctx = get_current_context(silent=True)
    if ctx is None:
        return False
    return any("--json" in param.opts and bool(ctx.params.get(param.name or ""))
               for param in ctx.command.params)


def _json_typed(args: Sequence[str]) -> bool:
    """`--json` among the options (after `--` every word is an argument)."""
    return "--json" in (args[:args.index("--")] if "--" in args else args)


def exit_code_for(err: DoctorbookError) -> int:
    """The contract's exit code for a core error (see EXIT_CODES)."""
    return EXIT_CODES[err.code]


def _os_error(exc: OSError) -> tuple[str, ErrorCode]:
    """A file or network failure: what and where, and the code a script can act on."""
    where = f": {exc.filename}" if exc.filename else ""
    code: ErrorCode = (
        "not_found" if exc.errno == errno.ENOENT
        else "permission_denied" if exc.errno in (errno.EACCES, errno.EPERM)
        else "unavailable"
    )
    return f"{exc.strerror or exc}{where}", code


def translate_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Every command is wrapped: foreseeable errors never reach the user as a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DoctorbookError as err:  # database failures too: core raises them as these
            raise fail(str(err), exit_code_for(err), code=err.code) from None
        except KeyboardInterrupt:
            # Not the caller's input: the command did not finish (130 tells it was SIGINT).
            raise fail("interrupted", EXIT_INTERRUPTED, code="unavailable") from None
        except UnicodeError as exc:
            raise fail(*_unicode_error(exc)) from None
        except BrokenPipeError:
            raise  # `| head` closed the pipe: Typer exits quietly
        except OSError as exc:
            message, code = _os_error(exc)
            raise fail(message, EXIT_REFUSED, code=code) from None

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
def _one_line_usage_errors(as_json: bool) -> Iterator[None]:
    """Click's usage errors (missing or unknown options, bad values) as one line on stderr,
    exit 2, code `validation`, like every other error; a group called without a command still
    shows its help. They happen before the command's `--json` is parsed, so `as_json` says
    whether it was typed."""
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
        raise fail(message, EXIT_BAD_INPUT, as_json=as_json) from None


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
        as_json = _json_typed(args)
        problem = _undecodable(args)
        if problem is not None:
            raise fail(problem, EXIT_BAD_INPUT, as_json=as_json)
        with _one_line_usage_errors(as_json):
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        ctx.meta[_JSON_TYPED] = as_json  # shared with every subcommand's context
        return ctx

    def invoke(self, ctx: Context) -> Any:
        with _one_line_usage_errors(bool(ctx.meta.get(_JSON_TYPED))):
            return super().invoke(ctx)
