"""Show one record in full, read-only: label / value facts, then a long text that scrolls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer

from doctorbook.tui.widgets.plain import Label, Static


class DetailDialog(ModalScreen[None]):
    """`facts` are (label, value) rows; `text` (an error, a JSON document) is shown whole under
    `text_label`, scrolling with the arrow keys when long. Escape or Enter closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="close-detail"),
        Binding("enter", "close", "Close", show=False, id="close-detail-enter"),
    ]

    def __init__(
        self,
        *,
        title: str,
        facts: Sequence[tuple[str, str]],
        text_label: str | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__()
        self.detail_title = title
        self.facts = tuple(facts)
        self.text_label = text_label
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="detail-box"):
            yield Static(self.detail_title, classes="form-title", markup=False)
            with Grid(id="detail-facts"):
                for label, value in self.facts:
                    yield Label(label, classes="fact-label", markup=False)
                    yield Static(value, markup=False)
            if self.text is not None:
                if self.text_label:
                    yield Label(self.text_label, id="detail-text-label", classes="fact-label",
                                markup=False)
                with VerticalScroll(id="detail-text-scroll"):
                    yield Static(self.text, id="detail-text", markup=False)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        if self.text is not None:
            # The long text scrolls with the arrow keys.
            self.query_one("#detail-text-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
