"""The desk's form for a new patient record: a name, and an e-mail, a phone number or a birth
date (a walk-in may have no e-mail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.core.accounts import patients
from doctorbook.core.accounts.auth import UserView
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

HINT = ("Give an e-mail, or a phone number or date of birth; with an e-mail they can set a "
        "password for the kiosk.")
#: Said when none of the three is given (core would refuse the same, in its words).
NO_CONTACT = "Enter the patient's e-mail, or a phone number or date of birth"
#: The call that creates the record.
CREATE = "create-patient"
FIELDS = ("#patient-name", "#patient-email", "#patient-phone", "#patient-born")


@dataclass(frozen=True)
class NewPatientForm:
    """What was typed (trimmed); core validates it."""

    name: str
    email: str
    phone: str = ""
    born: str = ""


def field_of(message: str) -> str:
    """The field core's refusal is about (its message names it), else the name."""
    text = message.casefold()
    if "e-mail" in text or "email" in text:
        return "#patient-email"
    if "phone" in text:
        return "#patient-phone"
    if "birth" in text:
        return "#patient-born"
    return "#patient-name"


class NewPatientDialog(ModalScreen[UserView | None], CoreCalls):
    """Core creates the record from here; the dialog then dismisses with it. A refusal (an
    e-mail taken or malformed, a name with control characters, no e-mail, phone or date of
    birth at all) shows in the dialog, which
    stays open with what was typed. Enter moves through the fields and in the last one
    creates; Escape: None, nothing created."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-new-patient"),
    ]

    class Created(Message):
        """Core created the patient's record."""

        def __init__(self, patient: UserView) -> None:
            super().__init__()
            self.patient = patient

    def __init__(self, draft: NewPatientForm | None = None) -> None:
        super().__init__()
        self.draft = draft or NewPatientForm("", "")
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="new-patient-box"):
            yield Static("New patient", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Name", classes="form-label")
                yield FieldInput(id="patient-name", placeholder="first and last name")
                yield Label("E-mail", classes="form-label")
                yield FieldInput(id="patient-email", placeholder="name@example.com (if any)")
                yield Label("Phone", classes="form-label")
                yield FieldInput(id="patient-phone", placeholder="e.g. +420 601 234 567")
                yield Label("Born", classes="form-label")
                yield FieldInput(id="patient-born", last=True,
                                 placeholder="e.g. 12.03.1980 or 1980-03-12")
            yield Static(HINT, classes="form-hint", id="new-patient-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Create", variant="primary", id="create-patient")
                yield Button("Back", id="cancel-patient")
        yield Footer()

    def on_mount(self) -> None:
        for field, value in zip(FIELDS, (self.draft.name, self.draft.email, self.draft.phone,
                                         self.draft.born), strict=True):
            self.query_one(field, Input).value = value
        # Start in the first field still empty (all filled: the name, to check it).
        for field in ("#patient-name", "#patient-email"):
            if not self.query_one(field, Input).value:
                self.query_one(field, Input).focus()
                return
        self.query_one("#patient-name", Input).focus()

    def _value(self, field: str) -> str:
        return " ".join(self.query_one(field, Input).value.split())

    def _show_error(self, message: str, field: str) -> None:
        hint = self.query_one("#new-patient-hint", Static)
        hint.update(sentence(message) + ("" if message.endswith(".") else "."))
        hint.add_class("-error")
        self.query_one(field, Input).focus()

    @on(Input.Submitted, "#patient-born")
    @on(Button.Pressed, "#create-patient")
    def _create(self) -> None:
        if self._busy:
            return
        name, email, phone, born_text = (self._value(f) for f in FIELDS)
        if not name:
            self._show_error("Enter the patient's name", FIELDS[0])
            return
        if not (email or phone or born_text):
            self._show_error(NO_CONTACT, FIELDS[1])
            return
        born: date | None = None
        if born_text:
            born = patients.typed_date(born_text)
            if born is None:
                self._show_error(f"Not a date of birth: {born_text!r}; write it as 12.03.1980 "
                                 "or 1980-03-12", "#patient-born")
                return
        self._busy = True
        self.call(self.Created, refusable(patients.create_patient), group=CREATE,
                  exclusive=False, email=email or None, name=name, phone=phone or None,
                  date_of_birth=born)

    def on_new_patient_dialog_created(self, message: Created) -> None:
        self.dismiss(message.patient)

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        self._busy = False
        refusal = message.refusal
        if message.group == CREATE and refusal is not None:
            message.stop()  # said here, next to what was typed
            self._show_error(str(refusal), field_of(str(refusal)))

    @on(Button.Pressed, "#cancel-patient")
    def action_cancel(self) -> None:
        self.dismiss(None)
