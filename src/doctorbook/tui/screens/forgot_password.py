"""Forgot password: ask for a reset e-mail (core's one answer says nothing about whether the
address has an account); "I have a code" goes on to setting the password from the e-mailed
code, a reset's or the activation code of an account the desk created."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.core.accounts import accounts
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.screens.set_password import SetPasswordScreen
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

HINT = ("We e-mail you a code to set a new password. Already have a code (a reset's, or "
        "the one to set your first password)? Press F2: I have a code.")
THEN = "Then choose I have a code (F2)."


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class ForgotPasswordScreen(Screen[str | None], CoreCalls):
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

    class ResetAnswered(Message):
        """Core's answer to a reset request (the same whether or not the address has an
        account)."""

        def __init__(self, answer: str) -> None:
            super().__init__()
            self.answer = answer

    def _request(self, email: str) -> None:
        self.call(self.ResetAnswered, accounts.request_password_reset, as_="open",
                  exclusive=False, email=email)

    def _show(self, text: str, *, error: bool = False) -> None:
        answer = self.query_one("#forgot-answer", Static)
        answer.update(text)
        answer.set_class(error, "-error")

    def on_forgot_password_screen_reset_answered(self, message: ResetAnswered) -> None:
        self._busy = False
        self._show(f"{sentence(message.answer)}. {THEN}")
        self.query_one("#have-code", Button).focus()

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        """An address core can't use (not an e-mail address) is said here; anything else (the
        database went away) goes on to the app, which says it and reconnects."""
        self._busy = False
        if message.refusal is None:
            return
        message.stop()
        self._show(sentence(str(message.refusal)) + ".", error=True)
        self.query_one("#forgot-email", Input).focus()

    @on(Button.Pressed, "#have-code")
    def action_have_code(self) -> None:
        def done(email: str | None) -> None:
            if email is not None:
                self.dismiss(email)

        self.app.push_screen(SetPasswordScreen(), done)

    @on(Button.Pressed, "#forgot-back")
    def action_back(self) -> None:
        self.dismiss(None)
