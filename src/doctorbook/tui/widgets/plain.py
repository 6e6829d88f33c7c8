"""Static and Label that show strings literally: every text widget of the app comes from here.

Textual's own parse strings as markup, so a patient named `Eve [/bold]` would crash a screen
and `[link=...]` would restyle it. Ours never do, unless a caller passes `markup=True` for a
string of our own (with nothing a person typed in it); strings are made printable either way.
"""

from __future__ import annotations

from typing import Any

from textual import widgets
from textual.visual import VisualType

from doctorbook.tui.text import printable


def _safe(content: VisualType) -> VisualType:
    return printable(content, multiline=True) if isinstance(content, str) else content


class Static(widgets.Static):
    """A Static that reads no markup unless told to."""

    def __init__(self, content: VisualType = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(_safe(content), markup=markup, **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(_safe(content), layout=layout)


class Label(widgets.Label, Static):
    """A Label that reads no markup unless told to (and is one of our Statics)."""

    def __init__(self, content: VisualType = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)
