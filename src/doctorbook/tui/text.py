"""People's text on screen: shown literally, never as markup, never a control character."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from doctorbook.core.base.text import REPLACEMENT, printable

__all__ = ["REPLACEMENT", "addressed", "literal", "pasteable", "printable"]


def addressed(name: str, email: str | None) -> str:
    """"Jan Novak <jan@example.com>", or just "Jan Novak" for a walk-in without an e-mail."""
    return f"{name} <{email}>" if email else name


def literal(text: str, style: str = "", *, multiline: bool = False, **kwargs: Any) -> Text:
    """A Rich Text of `text` exactly as typed (`[bold]` stays `[bold]`), made printable."""
    return Text(printable(text, multiline=multiline), style=style, end="", **kwargs)


def pasteable(text: str) -> str:
    """Pasted text without its control characters (line ends kept for the fields that take
    several lines; the others keep the first line, as Textual does)."""
    return printable(text, multiline=True, replacement="")
