"""People's text on screen: shown literally, never as markup, never a control character."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

#: C0 controls (ESC among them) but newline, DEL and C1 controls, lone surrogates (what
#: undecodable bytes become), line/paragraph separators and bidi embeddings, overrides and
#: isolates: none of them may reach a terminal, whatever the database holds.
_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_BLANKS = re.compile("[\t\r\n\u2028\u2029]")
#: Shown where a control character was: visibly something, never its effect.
REPLACEMENT = "\ufffd"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` safe to draw: line breaks kept only when `multiline`, tabs and (otherwise) line
    breaks as spaces, every other control character as U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\t", " ") if multiline else _BLANKS.sub(" ", text)
    return _CONTROL.sub(REPLACEMENT, text)


def literal(text: str, style: str = "", *, multiline: bool = False, **kwargs: Any) -> Text:
    """A Rich Text of `text` exactly as typed (`[bold]` stays `[bold]`), made printable."""
    return Text(printable(text, multiline=multiline), style=style, end="", **kwargs)


def pasteable(text: str) -> str:
    """Pasted text without its control characters (tabs and line ends kept as such for the
    fields that take several lines; the others keep the first line, as Textual does)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
