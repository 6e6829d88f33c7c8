"""Any logged-in user's own details: name and e-mail shown, phone and date of birth edited
(empty removes one). "Change e-mail" opens the dialog that sends a code to the new address."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.core.accounts import accounts
from doctorbook.core.accounts.auth import AccountView
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.change_email import ChangeEmailDialog, email_changed_text
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: The call that saves the details (its refusal goes back to the field it is about).
SAVE = "save-details"
HINT = "Empty removes a phone number or date of birth."
SAVED = "Details saved"
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
BAD_DATE = "Not a date: type it as YYYY-MM-DD, or leave it empty."


def parse_birth_date(text: str) -> date | None:
    """A date of birth as typed (YYYY-MM-DD), None when empty; ValueError when not a date."""
    text = text.strip()
    if not text:
        return None
    if not DATE_RE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def refused_field(changes: dict[str, Any], reason: str) -> str:
    """Where a refused save goes back to: the date of birth when it was changed, unless core's
    reason is about the phone number, changed too."""
    if "phone" in changes and "phone" in reason:
        return "#my-phone"
    return "#my-birth-date" if "date_of_birth" in changes else "#my-phone"


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class MyDetailsDialog(ModalScreen[bool | None], CoreCalls):
    """Core reads and saves the details from here (calls); the dialog dismisses with True once
    saved (the caller says so). A refusal (a bad phone number, a date of birth in the future) is
    shown in the dialog, which stays open with what was typed. Escape: None, nothing saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-my-details"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._busy = True  # until the details are read
        self._loaded: AccountView | None = None
        #: The changes last asked to be saved (a refusal goes back to the field it is about).
        self._saving: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="my-details-box"):
            yield Static("My details", classes="form-title")
            with Grid(id="my-details-fixed"):
                yield Label("Name", classes="form-label")
                yield Label("", id="my-name")
                yield Label("E-mail", classes="form-label")
                yield Label("", id="my-email")
            with Grid(classes="form-grid"):
                yield Label("Phone", classes="form-label")
                yield FieldInput(placeholder="e.g. +49 30 1234567", id="my-phone")
                yield Label("Born", classes="form-label")
                yield FieldInput(placeholder="YYYY-MM-DD", last=True, id="my-birth-date")
            yield Static(HINT, classes="form-hint", id="my-details-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="my-details-save")
                yield Button("Change e-mail", id="my-details-email")
                yield Button("Cancel", id="my-details-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#my-phone", Input).focus()
        self._load()

    def _field(self, selector: str) -> Input:
        return self.query_one(selector, Input)

    def _show_error(self, message: str, selector: str) -> None:
        hint = self.query_one("#my-details-error", Static)
        hint.update(sentence(message) + ("" if message.endswith(".") else "."))
        hint.add_class("-error")
        self._field(selector).focus()

    # --- calls to core ----------------------------------------------------------------------

    class DetailsLoaded(Message):
        """The user's details as core has them."""

        def __init__(self, view: AccountView) -> None:
            super().__init__()
            self.view = view

    class DetailsSaved(Message):
        """Core saved the changed details."""

    def _load(self) -> None:
        # refusable: a refusal is said in the dialog; a login ended meanwhile is the app's.
        self.call(self.DetailsLoaded, refusable(accounts.own_details))

    def on_my_details_dialog_details_loaded(self, message: DetailsLoaded) -> None:
        view = message.view
        self._loaded = view
        self._busy = False
        self.query_one("#my-name", Label).update(view.name)
        self.query_one("#my-email", Label).update(view.email)
        self._field("#my-phone").value = view.phone or ""
        birth = view.date_of_birth
        self._field("#my-birth-date").value = birth.isoformat() if birth else ""

    @on(Input.Submitted, "#my-birth-date")
    @on(Button.Pressed, "#my-details-save")
    def _submit(self) -> None:
        if self._busy or self._loaded is None:
            return
        phone_text = self._field("#my-phone").value.strip()
        try:
            birth = parse_birth_date(self._field("#my-birth-date").value)
        except ValueError:
            self._show_error(BAD_DATE, "#my-birth-date")
            return
        changes: dict[str, Any] = {}
        if phone_text != (self._loaded.phone or ""):
            changes["phone"] = phone_text or None
        if birth != self._loaded.date_of_birth:
            changes["date_of_birth"] = birth
        if not changes:
            self.dismiss(None)  # nothing to save
            return
        self._busy = True
        self._save(changes)

    def _save(self, changes: dict[str, Any]) -> None:
        self._saving = changes
        self.call(lambda _: self.DetailsSaved(), refusable(accounts.update_own_details),
                  group=SAVE, exclusive=False, **changes)

    def on_my_details_dialog_details_saved(self, _message: DetailsSaved) -> None:
        self.dismiss(True)

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        """Core's refusal is shown in the dialog, next to the field it is about; anything else
        (the login ended, the database went away) goes on to the app, which says it."""
        self._busy = self._loaded is None  # details never read: nothing to save over
        refusal = message.refusal
        if refusal is None:
            return
        message.stop()
        reason = str(refusal)
        self._show_error(reason, refused_field(self._saving, reason) if message.group == SAVE
                         else "#my-phone")

    @on(Button.Pressed, "#my-details-email")
    def _change_email(self) -> None:
        if self._busy or self._loaded is None:
            return

        def changed(new_email: str | None) -> None:
            if new_email is not None:
                self.query_one("#my-email", Label).update(new_email)
                self.app.notify(email_changed_text(new_email), markup=False)

        self.app.push_screen(ChangeEmailDialog(), changed)

    @on(Button.Pressed, "#my-details-cancel")
    def action_cancel(self) -> None:
        if not self._busy or self._loaded is None:  # a save asked for is awaited
            self.dismiss(None)
