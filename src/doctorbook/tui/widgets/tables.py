"""Fill a DataTable with columns sized to their cells up front, so drawing never waits on it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


#: Columns are drawn with one cell of padding either side.
PADDING = 2
#: Kept free at the right of a fitted table for its vertical scroll bar.
SCROLLBAR = 2


def fit_widths(natural: Sequence[int], floors: Sequence[int], room: int) -> list[int]:
    """Column widths that add up to at most `room` (padding excluded): the widest columns
    give way first, all down to the same width, but none below its floor (its header), so
    a short column (a time, a status) is never cut to make room for a long one."""
    widths = list(natural)
    if sum(widths) <= room:
        return widths
    cap = max(widths)
    while cap > 0 and sum(max(min(w, cap), f) for w, f in zip(widths, floors, strict=True)) > room:
        cap -= 1
    fitted = [max(min(w, cap), f) for w, f in zip(widths, floors, strict=True)]
    # What is left under the cap goes, a cell each, to the cut columns, leftmost first.
    spare = room - sum(fitted)
    for index, (width, natural_width) in enumerate(zip(fitted, widths, strict=True)):
        if spare <= 0:
            break
        if width < natural_width:
            fitted[index] += 1
            spare -= 1
    return fitted


def room_for(table: DataTable[Any], row_count: int) -> int:
    """The columns a table can show without scrolling sideways: its own width once laid out,
    else its container's (a hidden table has none), less its scroll bar when the rows (and
    the header) are more than it can show."""
    size = table.size if table.size.width else None
    if size is None and table.parent is not None:
        size = getattr(table.parent, "container_size", None)
    width, height = (size.width, size.height) if size else (0, 0)
    width = width or table.app.size.width
    scrolls = not height or row_count + 1 > height
    return max(0, width - (SCROLLBAR if scrolls else 0))


def show_rows(
    table: DataTable[Any],
    headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Cell]]],
    *,
    fit: bool = False,
    least: Mapping[str, int] | None = None,
) -> None:
    """Replace the columns and rows of `table`; `rows` are (key, cells) pairs. The one way
    rows reach a table: strings (people's names, reasons...) are shown literally.

    DataTable measures auto-width columns later, when idle; explicit widths make what is
    drawn (and so the snapshot tests) the same however busy the machine is. `fit`: every
    column stays on screen (at 80 columns too), the widest cut short first (see `fit_widths`);
    a cut cell ends in an ellipsis, so the screen should show the row whole elsewhere.
    `least`: the width (by header) a column keeps when fitted, MAX_WIDTH for never cut."""
    table.clear(columns=True)
    drawn = [(key, [cell_text(c) for c in cells]) for key, cells in rows]
    natural = [
        min(MAX_WIDTH, max([cell_len(header), *(cells[index].cell_len for _, cells in drawn)]))
        for index, header in enumerate(headers)
    ]
    widths = natural
    if fit:
        room = room_for(table, len(drawn)) - PADDING * len(headers)
        wanted = least or {}
        floors = [min(width, max(cell_len(header), wanted.get(header, 0)))
                  for header, width in zip(headers, natural, strict=True)]
        widths = fit_widths(natural, floors, room)
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, width=width, key=header)
    for key, cells in drawn:
        if fit:
            cells = [cut_to(cell, width) for cell, width in zip(cells, widths, strict=True)]
        table.add_row(*cells, key=key)


def cut_to(cell: Text, width: int) -> Text:
    """`cell` ending in an ellipsis when wider than `width`: a cut name says it was cut."""
    if cell.cell_len <= width:
        return cell
    cut = cell.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut


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
    fit: bool = False,
    least: Mapping[str, int] | None = None,
) -> None:
    """`show_rows`, with the cursor back on the row it was on (by key), or on the row at the
    same place when that one is gone. `follow`: a key to put the cursor on instead, if shown.
    """
    key, row = key_at_cursor(table), table.cursor_row
    show_rows(table, headers, rows, fit=fit, least=least)
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
    fit: bool = False,
    least: Mapping[str, int] | None = None,
) -> bool:
    """A list screen's rows (cursor kept, see `show_rows_keeping_cursor`), or `empty` saying
    `empty_text` when there are none. The table takes the focus when `take_focus` or when
    nothing visible has it. Returns whether the focus is still owed (no rows yet)."""
    show_rows_keeping_cursor(table, headers, rows, follow=follow, fit=fit, least=least)
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
