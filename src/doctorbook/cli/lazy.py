"""Groups whose commands are imported only when they run (or when their group's help needs them).

A group knows its commands as `name -> "module:attribute"` (a command function, or a
`typer.Typer` sub-app), optionally with the one-line help to list them by. Listing a group
(its `--help`, shell completion of its command names) uses those lines when it has them and
imports nothing; running `doctorbook staff list` imports `staff/list_staff.py` and what it needs,
and not the other thirty-odd command modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any, ClassVar, NamedTuple

import typer
from typer._click import Command, Context
from typer._click import exceptions as click
from typer._click.shell_completion import CompletionItem
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from doctorbook.cli.help import Command as TidyCommand
from doctorbook.cli.help import TidyHelp, reflow


class Entry(NamedTuple):
    """Where a command lives ("package.module:attribute") and, optionally, its one-line help."""

    target: str
    help: str | None = None


class LazyGroup(TidyHelp, TyperGroup):
    """A Typer group that imports a command's module on first use; subclasses set `entries`."""

    entries: ClassVar[Mapping[str, Entry]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, Command] = {}
        self._listing = 0

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.entries)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        entry = self.entries.get(cmd_name)
        if entry is None:
            return None
        if self._listing and entry.help is not None and cmd_name not in self._loaded:
            return TyperCommand(cmd_name, help=entry.help)  # a name and a line to list it by
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = self._load(cmd_name, entry.target)
        return self._loaded[cmd_name]

    def _load(self, name: str, target: str) -> Command:
        module_name, _, attribute = target.partition(":")
        found = getattr(importlib.import_module(module_name), attribute)
        if isinstance(found, typer.Typer):
            return get_group_from_info(
                TyperInfo(found, name=name), pretty_exceptions_short=True,
                suggest_commands=self.suggest_commands, rich_markup_mode=self.rich_markup_mode,
            )
        return get_command_from_info(
            CommandInfo(name=name, callback=found, cls=TidyCommand),
            pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode,
        )

    def format_help(self, ctx: Context, formatter: Any) -> None:
        self._listing += 1
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing -= 1

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        self._listing += 1
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing -= 1

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except click.UsageError as exc:
            # TyperGroup suggests from the commands it holds; this group holds none yet.
            matches = get_close_matches(args[0], list(self.entries)) if args else []
            if self.suggest_commands and matches:
                suggestions = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise


def lazy_app(package: str, *, help: str, commands: Mapping[str, str]) -> typer.Typer:
    """A sub-app (`doctorbook staff`) whose commands are `name -> "module:function"`, the
    modules relative to `package`; it lists them with their full help, importing them then."""
    entries = {name: Entry(f"{package}.{target}") for name, target in commands.items()}
    group = type(f"LazyGroup[{package}]", (LazyGroup,), {"entries": entries})
    return typer.Typer(cls=group, help=reflow(help), no_args_is_help=True)
