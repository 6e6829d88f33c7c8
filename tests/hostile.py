"""Hostile strings: what strangers and patients may type into any free-text field.

`CURATED` are the classics (markup, terminal escapes, bidi, zero-width, huge); `hostile_strings`
crosses them with the places a string can sit in (alone, inside a name, at either end) into a
deterministic list of several hundred; `hostile_text()` is a hypothesis strategy for the rest.
`ACCEPTABLE` are the ones a single-line field must keep exactly (no control characters).
"""

from __future__ import annotations

import unicodedata
from itertools import islice

ESC = "\x1b"

#: Rich/Textual markup that parses, markup that breaks parsing, and lookalikes.
MARKUP = [
    "[/]", "rash [/]", "[/bold]", "Eve [/bold] Evil", "[bold]bold[/bold]", "[red]red",
    "[link=file:///etc/passwd]click[/link]", "[@click=app.quit]quit[/]", "[b][i]x[/b]",
    "[", "]", "[[", "]]", "\\[escaped]", "[not a tag", "[/not-open]", "$var [$x]",
    "[blink]ALERT[/blink]", "[reverse on red]", ":smile: :cross_mark:", "[on #ff0000]x",
    "[/][/][/][/]", "[bold", "][", "[ ]", "[=]", "[@]", "[$accent]text[/]",
]

#: Terminal control: CSI, OSC (title, clipboard, hyperlink), DCS, C0 and C1 controls.
ESCAPES = [
    f"{ESC}[2J", f"{ESC}[31mred{ESC}[0m", f"{ESC}]0;pwned title\x07",
    f"{ESC}]52;c;cm0gLXJmIH4=\x07", f"{ESC}]8;;file:///etc/passwd{ESC}\\link{ESC}]8;;{ESC}\\",
    f"{ESC}P+q544e{ESC}\\", f"{ESC}[6n", f"{ESC}c", f"{ESC}[?1049h", f"{ESC}[1;1H",
    "\x9b31m", "\x9d0;title\x9c", "\x90dcs\x9c", "\x07bell", "\x08\x08\x08back",
    "line\rover", "tab\there", "new\nline", "nul\x00byte", "\x7fdel", "form\x0cfeed",
    "vt\x0bhere", "\x1a\x1c\x1d\x1e\x1f", "crlf\r\n",
]

#: Unicode that renders deceptively: bidi overrides, zero-width, combining, lookalikes.
UNICODE = [
    "\u202eevil\u202c", "abc\u202dxyz", "\u2066isolate\u2069", "\u200b", "zero\u200bwidth",
    "a\u200db", "\ufeffbom", "e\u0301\u0301\u0301\u0301\u0301", "Z\u0335\u0321\u0322a\u0336lgo",
    "\u2028line sep", "para\u2029sep", "\U0001f600 emoji", "\U0001f469\u200d\u2695\ufe0f",
    "\uff26\uff55\uff4c\uff4c", "日本語の名前", "اسم عربي", "שם בעברית", "\u0000",
    "\ud800", "\udcff", "ß", "İstanbul", "ǅ",
]

#: Sizes and shapes that stress layout and limits.
SHAPES = [
    "", " ", "   padded   ", "A" * 199, "A" * 2001, "x" * 10_000, "W" * 80,
    "word " * 300, "-" * 500, "'; DROP TABLE users; --", "%s%s%s%n", "{0}{1}", "${jndi:x}",
    "<script>alert(1)</script>", "&amp;&lt;", "\\", "\\\\\\", '"quoted"', "NULL", "None",
]

CURATED: list[str] = MARKUP + ESCAPES + UNICODE + SHAPES

#: How a curated string can sit inside what a person types.
PLACEMENTS = ("{}", "Eve {}", "{} Evil", "Dr {} Who", "{}{}", "({})")


def hostile_strings(limit: int | None = None) -> list[str]:
    """Every curated string in every placement, in a fixed order (over 500 of them)."""
    seen: dict[str, None] = {}
    for placement in PLACEMENTS:
        for text in CURATED:
            seen.setdefault(placement.replace("{}", text), None)
    return list(islice(seen, limit))


def has_control(text: str) -> bool:
    """C0/C1 controls, DEL, lone surrogates, bidi embeddings/overrides/isolates, line and
    paragraph separators: what no single-line field may keep."""
    return any(_is_control(ch) for ch in text)


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_control(ch: str) -> bool:
    return (
        unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")
        or ch in BIDI_CONTROLS
    )


def hostile_text():  # type: ignore[no-untyped-def]
    """A hypothesis strategy: any text, weighted towards markup and escapes."""
    from hypothesis import strategies as st

    pieces = st.one_of(st.sampled_from(CURATED), st.text(max_size=20))
    return st.lists(pieces, max_size=4).map("".join)


# The suite relies on this; keep it true when editing the lists above.
assert len(hostile_strings()) >= 500, len(hostile_strings())
