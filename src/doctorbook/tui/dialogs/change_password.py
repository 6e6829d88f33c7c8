"""Any logged-in user changes their password: the current one, the new one twice. Their other
logins end; this one stays."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input
from textual.worker import Worker, WorkerState

from doctorbook.core.accounts import accounts
from doctorbook.core.base.errors import ValidationError
from doctorbook.tui.calls import Refused, refusable
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The app's worker group for calls made as the logged-in user (its error handler's).
SESSION_GROUP = "session"
HINT = "Your other logins (terminals, the CLI) end; this one stays."
FIELDS = ("#current-password", "#new-password", "#confirm-password")


def changed_text(ended: int) -> str:
    """'Password changed.' and, when there were any, how many other logins ended."""
    if not ended:
        return "Password changed."
    return f"Password changed. {ended} other login{'s' if ended != 1 else ''} ended."


class PasswordChanged(Message):
    def __init__(self, ended: int) -> None:
        super().__init__()
        self.ended = ended


class PasswordChangeRefused(Message):
    """Core refused the change; `field` is where to go back to."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__()
        self.reason = reason
        self.field = field


class ChangePasswordDialog(ModalScreen[int | None]):
    """Core changes the password from here (a worker); the dialog then dismisses with how many
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
        #: Captured here: the worker runs in a thread, where Textual's active app isn't set.
        self._doctorbook = cast("DoctorbookApp", self.app)
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

    @work(thread=True, exit_on_error=False, group=SESSION_GROUP)
    def _change(self, current: str, new: str) -> None:
        try:
            # A login ended meanwhile, or a lost database, is the app's to handle; a wrong
            # current password is this form's.
            ended = self._doctorbook.core.run(refusable(accounts.change_password),
                                              current=current, new=new)
        except Refused as refused:
            field = ("#new-password" if isinstance(refused.error, ValidationError)
                     else "#current-password")
            self.post_message(PasswordChangeRefused(str(refused.error), field))
            return
        self.post_message(PasswordChanged(ended))

    def on_password_changed(self, message: PasswordChanged) -> None:
        self.dismiss(message.ended)

    def on_password_change_refused(self, message: PasswordChangeRefused) -> None:
        self._busy = False
        self._show_error(message.reason, message.field,
                         clear=message.field == "#current-password")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Anything else (the login ended, the database went away) is the app's to say."""
        if event.state is not WorkerState.ERROR:
            return
        self._busy = False
        self.app.post_message(Worker.StateChanged(event.worker, event.state))

    @on(Button.Pressed, "#change-password-cancel")
    def action_cancel(self) -> None:
        if not self._busy:  # once asked, the answer is awaited: it says what happened
            self.dismiss(None)
