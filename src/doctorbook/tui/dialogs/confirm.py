"""Ask before something that cannot be undone; returns True only for an explicit yes."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer

from doctorbook.tui.widgets.plain import Static


class ConfirmDialog(ModalScreen[bool]):
    """The question, a confirm button and `back` (Cancel); `back` has the focus, y confirms,
    n and Escape go back. A dialog whose own action is a cancel names `back` otherwise ("Keep
    visit"): "Cancel" next to "Yes, cancel it" reads as two ways to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="confirm-yes"),
        Binding("n,escape", "cancel", "No", id="confirm-no"),
    ]

    def __init__(
        self, question: str, *, confirm: str = "Yes", title: str = "Please confirm",
        back: str = "Cancel",
    ) -> None:
        super().__init__()
        self.back = back
        self.question = question
        self.confirm = confirm
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.dialog_title, classes="form-title")
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(self.confirm, variant="error", id="confirm-yes")
                yield Button(self.back, id="confirm-cancel")
        yield Footer()

    def on_mount(self) -> None:
        # The safe answer has the focus: a stray Enter cancels.
        self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
