"""The help screen: the keys of the screen it was opened from, plus general navigation."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable

from doctorbook.tui.widgets.plain import Static
from doctorbook.tui.widgets.tables import cell_text

GENERAL_KEYS: tuple[tuple[str, str], ...] = (
    ("tab / shift+tab", "Move between fields and buttons"),
    ("enter", "Submit the form / press the button"),
    ("↑ ↓", "Move in a list"),
)


class HelpScreen(ModalScreen[None]):
    """Lists `keys` (key, what it does); escape or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="close-help"),
        Binding("f1", "close", "Close", show=False, id="close-help-f1"),
    ]

    def __init__(self, keys: list[tuple[str, str]], *, title: str) -> None:
        super().__init__()
        self.keys = keys
        self.help_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(f"Keys · {self.help_title}", classes="form-title")
            yield DataTable(id="help-keys", show_cursor=False, zebra_stripes=True)
            yield Static("Press Escape to close.", classes="form-hint")

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Does")
        for key, does in [*self.keys, *GENERAL_KEYS]:
            table.add_row(cell_text(key), cell_text(does))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
