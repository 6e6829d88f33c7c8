"""The desk's form for a new patient record: name, e-mail and (optionally) phone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

HINT = "You can book for them now; they get an e-mail to set a password for the kiosk."


@dataclass(frozen=True)
class NewPatientForm:
    """What was typed (trimmed); core validates it."""

    name: str
    email: str
    phone: str = ""


class NewPatientDialog(ModalScreen[NewPatientForm | None]):
    """Enter moves through the fields and in the last one creates; Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-new-patient"),
    ]

    def __init__(self, draft: NewPatientForm | None = None) -> None:
        super().__init__()
        self.draft = draft or NewPatientForm("", "")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="new-patient-box"):
            yield Static("New patient", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Name", classes="form-label")
                yield FieldInput(id="patient-name", placeholder="first and last name")
                yield Label("E-mail", classes="form-label")
                yield FieldInput(id="patient-email", placeholder="name@example.com")
                yield Label("Phone", classes="form-label")
                yield FieldInput(id="patient-phone", placeholder="optional", last=True)
            yield Static(HINT, classes="form-hint", id="new-patient-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Create", variant="primary", id="create-patient")
                yield Button("Cancel", id="cancel-patient")
        yield Footer()

    def on_mount(self) -> None:
        for field, value in (("#patient-name", self.draft.name),
                             ("#patient-email", self.draft.email),
                             ("#patient-phone", self.draft.phone)):
            self.query_one(field, Input).value = value
        # Start in the first field still empty (all filled: the name, to check it).
        for field in ("#patient-name", "#patient-email"):
            if not self.query_one(field, Input).value:
                self.query_one(field, Input).focus()
                return
        self.query_one("#patient-name", Input).focus()

    def _value(self, field: str) -> str:
        return " ".join(self.query_one(field, Input).value.split())

    @on(Input.Submitted, "#patient-phone")
    @on(Button.Pressed, "#create-patient")
    def _create(self) -> None:
        form = NewPatientForm(
            self._value("#patient-name"), self._value("#patient-email"),
            self._value("#patient-phone"),
        )
        missing = "#patient-name" if not form.name else (
            "#patient-email" if not form.email else None)
        if missing is not None:
            what = "name" if missing == "#patient-name" else "e-mail"
            self.notify(f"Enter the patient's {what}.", severity="warning")
            self.query_one(missing, Input).focus()
            return
        self.dismiss(form)

    @on(Button.Pressed, "#cancel-patient")
    def action_cancel(self) -> None:
        self.dismiss(None)
