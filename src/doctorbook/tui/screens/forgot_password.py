"""Forgot password: ask for a reset e-mail (core's one answer says nothing about whether the
address has an account); "I have a code" goes on to setting the password from the e-mailed
code, a reset's or the activation code of an account the desk created."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input
from textual.worker import Worker, WorkerState

from doctorbook.core.accounts import accounts
from doctorbook.core.base.errors import DoctorbookError
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.screens.set_password import SetPasswordScreen
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

if TYPE_CHECKING:
    from doctorbook.tui.app import DoctorbookApp

#: The app's worker group for calls anyone may make without a session.
PUBLIC_GROUP = "public"
HINT = ("We e-mail you a code to set a new password. Already have a code (a reset's, or "
        "the one to set your first password)? Press F2: I have a code.")
THEN = "Then choose I have a code (F2)."


class ResetAnswered(Message):
    """Core's answer to a reset request (the same whether or not the address has an account)."""

    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer


class ResetRefused(Message):
    """The address could not be used (empty, not an e-mail address)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ForgotPasswordScreen(Screen[str | None]):
    """Dismisses with the e-mail address whose password was set (the login form fills it in),
    or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "have_code", "I have a code", id="have-code"),
        Binding("escape", "back", "Back to login", id="back"),
    ]

    def __init__(self, email: str = "") -> None:
        super().__init__()
        self.email = email
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(id="forgot-box", classes="form-box"):
            yield Static("Forgot your password?", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("E-mail", classes="form-label")
                yield FieldInput(placeholder="you@example.com", last=True, id="forgot-email")
            with Horizontal(classes="form-buttons"):
                yield Button("Send reset e-mail", variant="primary", id="send-reset")
                yield Button("I have a code", id="have-code")
                yield Button("Back", id="forgot-back")
            yield Static(HINT, classes="form-hint", id="forgot-answer")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Forgot password"
        #: Captured here: the worker runs in a thread, where Textual's active app isn't set.
        self._doctorbook = cast("DoctorbookApp", self.app)
        field = self.query_one("#forgot-email", Input)
        field.value = self.email
        field.focus()

    @on(Input.Submitted, "#forgot-email")
    @on(Button.Pressed, "#send-reset")
    def _submit(self) -> None:
        if self._busy:
            return
        email = self.query_one("#forgot-email", Input).value.strip()
        if not email:
            self._show("Enter the e-mail address of your account.", error=True)
            self.query_one("#forgot-email", Input).focus()
            return
        self._busy = True
        self._request(email)

    @work(thread=True, exit_on_error=False, group=PUBLIC_GROUP)
    def _request(self, email: str) -> None:
        try:
            answer = self._doctorbook.core.run_open(accounts.request_password_reset, email=email)
        except DoctorbookError as error:
            if error.code == "unavailable":
                raise  # the app's to handle: it says so, and reconnects
            self.post_message(ResetRefused(str(error)))
            return
        self.post_message(ResetAnswered(answer))

    def _show(self, text: str, *, error: bool = False) -> None:
        answer = self.query_one("#forgot-answer", Static)
        answer.update(text)
        answer.set_class(error, "-error")

    def on_reset_answered(self, message: ResetAnswered) -> None:
        self._busy = False
        self._show(f"{sentence(message.answer)}. {THEN}")
        self.query_one("#have-code", Button).focus()

    def on_reset_refused(self, message: ResetRefused) -> None:
        self._busy = False
        self._show(sentence(message.reason) + ".", error=True)
        self.query_one("#forgot-email", Input).focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Anything else (the database went away) is the app's to say."""
        if event.state is WorkerState.ERROR:
            self._busy = False
            self.app.post_message(Worker.StateChanged(event.worker, event.state))

    @on(Button.Pressed, "#have-code")
    def action_have_code(self) -> None:
        def done(email: str | None) -> None:
            if email is not None:
                self.dismiss(email)

        self.app.push_screen(SetPasswordScreen(), done)

    @on(Button.Pressed, "#forgot-back")
    def action_back(self) -> None:
        self.dismiss(None)
