"""Help that reads well, for every command at once (the lazy groups build commands with it).

Typer 0.29's rich help keeps the line breaks of a docstring wrapped in the source: in a
command's first paragraph where a group lists it (`_make_command_help` only joins lines when
the markup mode is *not* "rich", the default) and in every later paragraph of a command's own
help (`_fix_linebreaks` joins paragraphs, not lines). So help texts are reflowed here once:
each paragraph becomes one line, and Rich wraps it to the terminal. A paragraph that starts
with click's `\\b` keeps its lines.

Its type column shows `<bool>` for every flag (`--help` too) and `<str>` for text: here a
flag shows nothing there, a text option its name (`--valid-from VALID-FROM`), a text argument
nothing (its name is already in the first column).
"""

from __future__ import annotations

import inspect
from typing import Any

from typer._click import Context, Parameter
from typer.core import TyperArgument, TyperCommand, TyperOption

TEXT_TYPES = frozenset({"<str>", "<list[str]>"})


def reflow(text: str | None) -> str | None:
    """Join the lines of each paragraph; keep paragraphs, and `\\b` blocks as they are."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        p if p.startswith("\b") else " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
    )


class _UntypedArgument(TyperArgument):
    """A text argument: its name says what it is, so its type column stays empty."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


def tidy_params(params: list[Parameter], ctx: Context) -> list[Parameter]:
    """Flags without `<bool>`, text options named by a metavar, help texts reflowed."""
    for param in params:
        if isinstance(param, TyperOption):
            param.help = reflow(param.help)
            if param.is_flag and not param.expose_value and param.default is None:
                # `--help`, `--install-completion`, `--show-completion`: flags whose value only
                # reaches their callback (which does nothing unless it is true). Left at None,
                # Typer converts that None through a pydantic TypeAdapter, importing pydantic
                # on every command (~0.1 s); False it passes through as a bool.
                param.default = False
            if param.metavar is None:
                if param.is_flag or param.count:
                    param.metavar = ""
                elif param.display_type(ctx) in TEXT_TYPES:
                    param.metavar = max(param.opts, key=len).lstrip("-").upper()
        elif isinstance(param, TyperArgument):
            param.help = reflow(param.help)
            if type(param) is TyperArgument and param.display_type(ctx) in TEXT_TYPES:
                param.__class__ = _UntypedArgument
    return params


class TidyHelp:
    """Mixin for a click command or group: reflowed help and tidy parameters."""

    help: str | None
    short_help: str | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)
        self.short_help = reflow(self.short_help)

    def get_params(self, ctx: Context) -> list[Parameter]:
        params: list[Parameter] = super().get_params(ctx)  # type: ignore[misc]
        return tidy_params(params, ctx)


class Command(TidyHelp, TyperCommand):
    """Every doctorbook command."""
