"""Any logged-in user changes their password: the current one, the new one twice. Their other
logins end; this one stays."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.core.accounts import accounts
from doctorbook.core.base.errors import ValidationError
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: The call that changes the password.
CHANGE = "change-password"
HINT = "Your other logins (terminals, the CLI) end; this one stays."
FIELDS = ("#current-password", "#new-password", "#confirm-password")


def changed_text(ended: int) -> str:
    """'Password changed.' and, when there were any, how many other logins ended."""
    if not ended:
        return "Password changed."
    return f"Password changed. {ended} other login{'s' if ended != 1 else ''} ended."


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class ChangePasswordDialog(ModalScreen[int | None], CoreCalls):
    """Core changes the password from here (a call); the dialog then dismisses with how many
    other logins ended. A refusal (wrong current password, a new one core won't take) is shown
    in the dialog, which stays open. Escape: None, nothing changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-change-password"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="change-password-box"):
            yield Static("Change your password", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Current", classes="form-label")
                yield FieldInput(password=True, placeholder="your password now",
                                 id="current-password")
                yield Label("New", classes="form-label")
                yield FieldInput(password=True, placeholder="at least 10 characters",
                                 id="new-password")
                yield Label("Confirm", classes="form-label")
                yield FieldInput(password=True, placeholder="the new password again",
                                 last=True, id="confirm-password")
            yield Static(HINT, classes="form-hint", id="change-password-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Change password", variant="primary", id="change-password-ok")
                yield Button("Cancel", id="change-password-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#current-password", Input).focus()

    def _field(self, selector: str) -> Input:
        return self.query_one(selector, Input)

    def _show_error(self, message: str, selector: str, *, clear: bool = False) -> None:
        hint = self.query_one("#change-password-error", Static)
        hint.update(sentence(message) + ("" if message.endswith(".") else "."))
        hint.add_class("-error")
        field = self._field(selector)
        if clear:
            field.value = ""
        field.focus()

    @on(Input.Submitted, "#confirm-password")
    @on(Button.Pressed, "#change-password-ok")
    def _submit(self) -> None:
        if self._busy:
            return
        current, new, confirm = (self._field(f).value for f in FIELDS)
        if not current:
            self._show_error("Enter your current password.", "#current-password")
            return
        if not new:
            self._show_error("Enter a new password.", "#new-password")
            return
        if new != confirm:
            self._show_error("The two new passwords do not match.", "#confirm-password",
                             clear=True)
            return
        self._busy = True
        self._change(current, new)

    # --- the call to core ------------------------------------------------------------------

    class PasswordChanged(Message):
        """The password is changed; `ended` other logins of the account ended."""

        def __init__(self, ended: int) -> None:
            super().__init__()
            self.ended = ended

    def _change(self, current: str, new: str) -> None:
        # refusable: a wrong current password is this form's to show, not the login's end.
        self.call(self.PasswordChanged, refusable(accounts.change_password), group=CHANGE,
                  exclusive=False, current=current, new=new)

    def on_change_password_dialog_password_changed(self, message: PasswordChanged) -> None:
        self.dismiss(message.ended)

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        """Core's refusal is shown here, the dialog stays open; anything else (the login
        ended, the database went away) goes on to the app, which says it."""
        self._busy = False
        refusal = message.refusal
        if refusal is None:
            return
        message.stop()
        field = "#new-password" if isinstance(refusal, ValidationError) else "#current-password"
        self._show_error(str(refusal), field, clear=field == "#current-password")

    @on(Button.Pressed, "#change-password-cancel")
    def action_cancel(self) -> None:
        if not self._busy:  # once asked, the answer is awaited: it says what happened
            self.dismiss(None)
