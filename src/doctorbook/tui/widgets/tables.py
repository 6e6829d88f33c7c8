"""Fill a DataTable with columns sized to their cells up front, so drawing never waits on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from textual.widgets import DataTable

#: No column grows wider than this; longer cells end in an ellipsis.
MAX_WIDTH = 40


def show_rows(
    table: DataTable[str],
    headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str]]],
) -> None:
    """Replace the columns and rows of `table`; `rows` are (key, cells) pairs.

    DataTable measures auto-width columns later, when idle; explicit widths make what is
    drawn (and so the snapshot tests) the same however busy the machine is."""
    table.clear(columns=True)
    for index, header in enumerate(headers):
        widest = max([cell_len(header), *(cell_len(cells[index]) for _, cells in rows)])
        table.add_column(header, width=min(widest, MAX_WIDTH), key=header)
    for key, cells in rows:
        table.add_row(*cells, key=key)


def key_at_cursor(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor (None: the table is empty)."""
    if table.row_count == 0:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def show_rows_keeping_cursor(
    table: DataTable[str],
    headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str]]],
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
