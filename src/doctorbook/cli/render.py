"""Shared rendering: JSON documents for scripts, Rich tables and plain lines for people.

Text from users is data (DESIGN.md 6): every string a person typed reaches the terminal through
`literal` or `plain` here, never as Rich markup and never with a control character in it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from rich.text import Text


#: Characters json.dumps(ensure_ascii=False) would write raw (it escapes only C0, quote and
#: backslash): DEL, C1, surrogates (unencodable), separators and bidi controls.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def plain(text: str, *, multiline: bool = False) -> str:
    """`text` safe for a terminal (core's one rule for it): every control character as
    U+FFFD, line breaks kept only when `multiline`."""
    from doctorbook.core.base.text import printable

    return printable(text, multiline=multiline)


def literal(text: str, *, multiline: bool = False, style: str = "") -> Text:
    """A Rich Text showing `text` exactly as typed (`[bold]` stays `[bold]`, `:smile:` stays
    `:smile:`), made printable by `plain`. Rich never parses a Text as markup."""
    from rich.text import Text

    return Text(plain(text, multiline=multiline), style=style)


def echo(message: str, *, err: bool = False, multiline: bool = False) -> None:
    """typer.echo for a line that may hold user data: click never parses markup but would
    write an ESC or a C1 control straight to the terminal."""
    typer.echo(plain(message, multiline=multiline), err=err)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def json_text(value: Any, *, indent: int | None = None) -> str:
    """JSON that decodes to exactly `value` yet puts no control character on a terminal:
    non-ASCII text stays readable, the few characters that are unsafe raw are \\u-escaped
    (they only ever occur inside strings, so escaping them keeps the document valid)."""
    text = json.dumps(value, default=_default, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(value: Any) -> None:
    """One JSON document on stdout."""
    typer.echo(json_text(value, indent=2))


def print_table(
    title: str | Text | None, columns: Sequence[str], rows: Iterable[Sequence[str | Text]],
) -> None:
    """A table for people. A str (title or cell) is shown literally on one line; a Text is
    the caller's own, already made safe (`literal(..., multiline=True)` for a bio, say)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_text(title), show_lines=False, header_style="bold")
    for column in columns:
        # Fold, never truncate: an id, e-mail or password cut with "…" is useless.
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_text(cell) for cell in row))
    Console().print(table)


def _text(value: str | Text | None) -> Text | None:
    if value is None or not isinstance(value, str):
        return value
    return literal(value)


def local_time(value: datetime) -> str:
    """A timestamp in the machine's local zone, minutes precision."""
    return value.astimezone().strftime("%a %Y-%m-%d %H:%M")
