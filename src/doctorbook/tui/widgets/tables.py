"""Fill a DataTable with columns sized to their cells up front, so drawing never waits on it."""

from __future__ import annotations

from collections.abc import Sequence

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
