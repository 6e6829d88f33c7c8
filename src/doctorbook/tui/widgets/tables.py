"""Fill a DataTable with columns sized to their cells up front, so drawing never waits on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widgets import DataTable

from doctorbook.tui.text import literal
from doctorbook.tui.widgets.plain import Static

T = TypeVar("T")

#: No column grows wider than this; longer cells end in an ellipsis.
MAX_WIDTH = 40


Cell = str | Text


def cell_text(value: Cell) -> Text:
    """A cell as drawn: a string literally (DataTable would read it as markup), one line."""
    if isinstance(value, Text):
        return value
    return literal(value)


def show_rows(
    table: DataTable[Any],
    headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Cell]]],
) -> None:
    """Replace the columns and rows of `table`; `rows` are (key, cells) pairs. The one way
    rows reach a table: strings (people's names, reasons...) are shown literally.

    DataTable measures auto-width columns later, when idle; explicit widths make what is
    drawn (and so the snapshot tests) the same however busy the machine is."""
    table.clear(columns=True)
    drawn = [(key, [cell_text(c) for c in cells]) for key, cells in rows]
    for index, header in enumerate(headers):
        widest = max([cell_len(header), *(cells[index].cell_len for _, cells in drawn)])
        table.add_column(header, width=min(widest, MAX_WIDTH), key=header)
    for key, cells in drawn:
        table.add_row(*cells, key=key)


def key_at_cursor(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor (None: the table is empty)."""
    if table.row_count == 0:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def show_rows_keeping_cursor(
    table: DataTable[Any],
    headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Cell]]],
    *,
    follow: str | None = None,
) -> None:
    """`show_rows`, with the cursor back on the row it was on (by key), or on the row at the
    same place when that one is gone. `follow`: a key to put the cursor on instead, if shown.
    """
    key, row = key_at_cursor(table), table.cursor_row
    show_rows(table, headers, rows)
    keys = [k for k, _ in rows]
    if follow in keys:
        key = follow
    if keys:
        table.move_cursor(row=keys.index(key) if key in keys else max(0, min(row, len(keys) - 1)))


def show_listing(
    screen: Screen[Any],
    table: DataTable[Any],
    empty: Static,
    headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Cell]]],
    *,
    empty_text: str,
    take_focus: bool,
    follow: str | None = None,
) -> bool:
    """A list screen's rows (cursor kept, see `show_rows_keeping_cursor`), or `empty` saying
    `empty_text` when there are none. The table takes the focus when `take_focus` or when
    nothing visible has it. Returns whether the focus is still owed (no rows yet)."""
    show_rows_keeping_cursor(table, headers, rows, follow=follow)
    empty.update(empty_text)
    empty.display = not rows
    table.display = bool(rows)
    if rows and screen.is_current and (
        take_focus or screen.focused is None or not screen.focused.display
    ):
        table.focus()
        return False
    return take_focus


def item_at_cursor(
    table: DataTable[Any], items: Sequence[T] | None, key: Callable[[T], str]
) -> T | None:
    """The item whose row is under the cursor of a shown table (None: nothing listed)."""
    if not items or not table.display:
        return None
    at = key_at_cursor(table)
    return next((item for item in items if key(item) == at), None)
