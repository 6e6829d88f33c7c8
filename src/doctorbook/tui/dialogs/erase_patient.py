"""Erase a patient at their request: a reason, and the word ERASE typed, before anything goes."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.core.accounts.auth import UserView
from doctorbook.tui.text import addressed
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: What the admin types to confirm; a word, not y/Enter, because nothing brings the data back.
CONFIRM_WORD = "ERASE"


def erase_question(patient: UserView) -> str:
    return (f"Erase {addressed(patient.name, patient.email)}? Their name, contact details, booking "
            "reasons, review comments and e-mails are removed for good; their visits and "
            "ratings stay, anonymous. This cannot be undone.")


class ErasePatientDialog(ModalScreen[str | None]):
    """Dismisses with the reason once the reason is given and ERASE typed; None on Cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-erase"),
    ]

    def __init__(self, patient: UserView) -> None:
        super().__init__()
        self.patient = patient

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static("Erase a patient", classes="form-title")
            yield Static(erase_question(self.patient), id="erase-question", markup=False)
            yield Label("Reason (kept in the audit log)", classes="dialog-label")
            yield FieldInput(id="erase-reason")
            yield Label(f"Type {CONFIRM_WORD} to confirm", classes="dialog-label")
            yield FieldInput(last=True, id="erase-confirm")
            yield Static("", id="erase-error", classes="form-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Erase", variant="error", id="erase-ok")
                yield Button("Cancel", id="erase-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#erase-reason", Input).focus()

    def _error(self, text: str, field: str) -> None:
        self.query_one("#erase-error", Static).update(text)
        self.query_one(field, Input).focus()

    @on(Input.Submitted, "#erase-confirm")
    @on(Button.Pressed, "#erase-ok")
    def _submit(self) -> None:
        reason = " ".join(self.query_one("#erase-reason", Input).value.split())
        typed = self.query_one("#erase-confirm", Input).value.strip()
        if not reason:
            self._error("Say why: the audit log keeps the reason.", "#erase-reason")
        elif typed != CONFIRM_WORD:
            self._error(f"Type {CONFIRM_WORD} (in capitals) to erase; Escape keeps the patient.",
                        "#erase-confirm")
        else:
            self.dismiss(reason)

    @on(Button.Pressed, "#erase-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
