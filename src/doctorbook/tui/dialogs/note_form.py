"""Write a private note on an appointment: a few lines; Ctrl+S saves, Escape cancels."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, TextArea

from doctorbook.tui.widgets.plain import Label, Static


class NoteDialog(ModalScreen[str | None]):
    """Returns the text as typed (core trims it and refuses an empty note); None if cancelled.

    Enter starts a new line, so saving is Ctrl+S or the Save button."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save-note"),
        Binding("escape", "cancel", "Cancel", id="cancel-note"),
    ]

    def __init__(self, *, about: str) -> None:
        super().__init__()
        #: Which appointment, e.g. 'Alice Patient · Wed 25 Nov 10:00'.
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box note-dialog"):
            yield Static("Add a private note", classes="form-title")
            yield Label(self.about, classes="dialog-label", markup=False)
            yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static("Only you see your notes.", classes="form-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="note-save")
                yield Button("Cancel", id="note-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    @on(Button.Pressed, "#note-save")
    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text)

    @on(Button.Pressed, "#note-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
