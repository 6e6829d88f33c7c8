"""Free text from people: one rule for every field core stores or looks up (DESIGN.md 6)."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, overload

from doctorbook.core.base.errors import ValidationError

#: Bidi embeddings, overrides and isolates: they reorder what follows them on screen, so a
#: name could make a receptionist's row read differently from what is stored.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: C0/C1 controls and DEL (Cc), lone surrogates (Cs: undecodable command-line bytes under
#: surrogateescape), line and paragraph separators (Zl, Zp).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: Every character `refused_character` refuses, as one pattern: what the UIs never write to a
#: terminal, whatever the database holds (rows may predate the rule; e-mails, audit data...).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: Line breaks and tabs, shown as a space on one line.
_BLANKS = re.compile("[\t\r\n\u2028\u2029]")
#: Shown where a control character was: visibly something, never its effect.
REPLACEMENT = "\ufffd"
#: Whitespace a paste or a shell brings along at either end; dropped there, refused inside.
_EDGE_CONTROLS = "\t\n\r"


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character no stored text may contain ("\\n" is allowed when multi-line)."""
    for ch in value:
        if ch == "\n" and multiline:
            continue
        if ch in BIDI_CONTROLS or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ch
    return None


def printable(text: str, *, multiline: bool = False, replacement: str = REPLACEMENT) -> str:
    """`text` safe to show on a terminal: line breaks kept only when `multiline` (CRLF and CR
    read as one), otherwise shown as spaces like tabs; every other refused character as
    `replacement`. Both UIs show people's text through this."""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        return CONTROL.sub(lambda m: m[0] if m[0] == "\n" else replacement, text)
    return CONTROL.sub(replacement, _BLANKS.sub(" ", text))


def _strip_edges(value: str) -> str:
    start, end = 0, len(value)
    while start < end and _is_edge_space(value[start]):
        start += 1
    while end > start and _is_edge_space(value[end - 1]):
        end -= 1
    return value[start:end]


def _is_edge_space(ch: str) -> bool:
    return ch in _EDGE_CONTROLS or unicodedata.category(ch) == "Zs"


@overload
def clean_text(
    value: str | None, *, label: str, limit: int, multiline: bool = ...,
    required: Literal[True],
) -> str: ...


@overload
def clean_text(
    value: str | None, *, label: str, limit: int, multiline: bool = ..., required: bool = ...,
) -> str | None: ...


def clean_text(
    value: str | None,
    *,
    label: str,
    limit: int,
    multiline: bool = False,
    required: bool = False,
) -> str | None:
    """Text a person typed, fit to store and to show on any terminal; None when empty.

    Surrounding whitespace is dropped. A single-line field has its runs of spaces folded to
    one; a multi-line one keeps its line breaks ("\\r\\n" read as "\\n"). Any other control
    character is refused, never silently removed: the person learns their text was not what it
    looked like, and what is stored is exactly what they saw. Zero-width joiners, combining
    marks, emoji and right-to-left letters are kept, since real names need them. A refusal
    names the field and shows only the offending character's repr(), never the text itself.
    """
    text = "" if value is None else value
    if multiline:
        text = text.replace("\r\n", "\n")
    text = _strip_edges(text)
    bad = refused_character(text, multiline=multiline)
    if bad is not None:
        # repr() escapes every refused character, so the message itself is safe to print.
        raise ValidationError(f"{label} must not contain control characters (found {bad!r})")
    if not multiline:
        text = " ".join(text.split())
    if not text:
        if required:
            raise ValidationError(f"{label} is required")
        return None
    if len(text) > limit:
        raise ValidationError(
            f"{label} is too long ({len(text)} characters; at most {limit} characters)"
        )
    return text

