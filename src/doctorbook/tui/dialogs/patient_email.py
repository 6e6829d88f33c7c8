"""The desk gives a patient it created an e-mail (a walk-in had none, or it was mistyped)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.core.accounts import patients
from doctorbook.core.accounts.auth import UserView
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: The call that sets the address.
SET_EMAIL = "set-patient-email"
HINT = "They get an e-mail with a code to set a password for the kiosk."


def title_for(patient: UserView) -> str:
    if patient.email is None:
        return f"Add an e-mail for {patient.name}"
    return f"Change {patient.name}'s e-mail"


class PatientEmailDialog(ModalScreen[UserView | None], CoreCalls):
    """Core sets the address (and queues "set your password" to it) from here; the dialog
    then dismisses with the patient as they are now. A refusal (malformed, another account's,
    the patient already has a password) shows in the dialog, which stays open with what was
    typed. Escape: None, nothing changed."""

    # Its own section, not app.tcss: the dialog is the only one using it.
    DEFAULT_CSS = """
    PatientEmailDialog {
        align: center middle;
    }
    #patient-email-hint.-error {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-patient-email"),
    ]

    class EmailSet(Message):
        """Core set the patient's e-mail."""

        def __init__(self, patient: UserView) -> None:
            super().__init__()
            self.patient = patient

    def __init__(self, patient: UserView) -> None:
        super().__init__()
        self.patient = patient
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="patient-email-box"):
            yield Static(title_for(self.patient), classes="form-title", id="patient-email-title")
            yield Label("E-mail", classes="dialog-label")
            yield FieldInput(id="patient-email-value", last=True,
                             placeholder="name@example.com")
            yield Static(HINT, classes="form-hint", id="patient-email-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save-patient-email")
                yield Button("Back", id="cancel-patient-email-button")
        yield Footer()

    def on_mount(self) -> None:
        field = self.query_one("#patient-email-value", Input)
        field.value = self.patient.email or ""
        field.focus()

    def _show_error(self, message: str) -> None:
        hint = self.query_one("#patient-email-hint", Static)
        hint.update(sentence(message) + ("" if message.endswith(".") else "."))
        hint.add_class("-error")
        self.query_one("#patient-email-value", Input).focus()

    @on(Input.Submitted, "#patient-email-value")
    @on(Button.Pressed, "#save-patient-email")
    def _save(self) -> None:
        if self._busy:
            return
        email = self.query_one("#patient-email-value", Input).value.strip()
        if not email:
            self._show_error("Enter the patient's e-mail address")
            return
        self._busy = True
        self.call(self.EmailSet, refusable(patients.set_patient_email), group=SET_EMAIL,
                  exclusive=False, patient_id=self.patient.id, email=email)

    def on_patient_email_dialog_email_set(self, message: EmailSet) -> None:
        self.dismiss(message.patient)

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        self._busy = False
        refusal = message.refusal
        if message.group == SET_EMAIL and refusal is not None:
            message.stop()  # said here, next to what was typed
            self._show_error(str(refusal))

    @on(Button.Pressed, "#cancel-patient-email-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
