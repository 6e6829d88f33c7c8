"""Record ids on the command line: whole numbers checked against PostgreSQL's bigint range."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer._click.exceptions import BadParameter  # Typer's vendored click (pinned <0.30)

#: The largest bigint: a bigger "id" would reach SQL and come back as a driver error.
MAX_ID = 2**63 - 1


class BadId(BadParameter):
    """Said as is (the message names the kind of id), without click's "Invalid value for"."""

    def format_message(self) -> str:
        return self.message


def parse_id(value: str, what: str) -> int:
    """"12" -> 12; anything but ASCII digits from 1 to MAX_ID is refused (no sign, no
    spaces inside, no other scripts' digits, which int() would accept)."""
    text = value.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
        return int(text)
    shown = repr(value[:40]) + ("..." if len(value) > 40 else "")
    raise BadId(f"{what} id must be a whole number from 1 to {MAX_ID}, not {shown}")


def _parser(what: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        return parse_id(value, what)

    return parse


def id_argument(what: str, *, help: str, metavar: str = "ID") -> Any:
    """A positional id, e.g. `id_argument("appointment", help=...)`."""
    return typer.Argument(metavar=metavar, help=help, parser=_parser(what))


def id_option(what: str, *flags: str, help: str, metavar: str = "ID") -> Any:
    """An optional id, e.g. `id_option("doctor", "--doctor", help=...)`."""
    return typer.Option(*flags, metavar=metavar, help=help, parser=_parser(what))
