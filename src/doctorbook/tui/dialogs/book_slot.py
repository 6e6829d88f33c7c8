"""Book one slot: what is being booked, an optional reason, Book or Cancel.

Dismisses with the reason typed ("" for none) when Book is pressed (or Enter in the reason
field), and with None when cancelled: the caller books only on a string.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

REASON_LABEL = "Reason for the visit (optional)"


def slot_facts(facts: list[tuple[str, str]], note: str | None) -> ComposeResult:
    """What is being booked (doctor, clinic, when...) and a note on it, as both booking
    dialogs show them; `yield from` it inside a compose."""
    with Grid(classes="book-facts"):
        for label, value in facts:
            yield Label(label, classes="fact-label")
            yield Static(value, id=f"book-{label.lower()}", markup=False)
    if note:
        yield Static(note, id="book-note", classes="form-hint", markup=False)


class BookSlotDialog(ModalScreen[str | None]):
    """Shows the doctor, clinic, time (and the patient, when the desk books); asks a reason."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-booking"),
    ]

    def __init__(
        self,
        *,
        doctor: str,
        clinic: str,
        when: str,
        patient: str | None = None,
        note: str | None = None,
        title: str = "Book this visit",
    ) -> None:
        super().__init__()
        self.facts = [("Doctor", doctor), ("Clinic", clinic), ("When", when)]
        if patient is not None:
            self.facts.append(("Patient", patient))
        self.note = note
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="book-box"):
            yield Static(self.dialog_title, classes="form-title", markup=False)
            yield from slot_facts(self.facts, self.note)
            yield Label(REASON_LABEL, classes="dialog-label book-reason-label")
            yield FieldInput(last=True, id="book-reason", placeholder="e.g. check-up, back pain")
            with Horizontal(classes="form-buttons"):
                yield Button("Book", variant="primary", id="book-confirm")
                yield Button("Cancel", id="book-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#book-reason", Input).focus()

    @on(Input.Submitted, "#book-reason")
    @on(Button.Pressed, "#book-confirm")
    def _book(self) -> None:
        self.dismiss(" ".join(self.query_one("#book-reason", Input).value.split()))

    @on(Button.Pressed, "#book-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
