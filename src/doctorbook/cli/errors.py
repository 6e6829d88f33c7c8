"""Turning core errors into one line on stderr and the contract's exit codes (0/1/2)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from doctorbook.core.errors import ConfigurationError, DoctorbookError, ValidationError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_REFUSED) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
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
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            raise fail(message) from None

    return wrapper
