"""I have a code: set a password from an e-mailed code, a password reset's (dbp_…) or the one a
patient gets when the desk creates their account (dbv_…). Every earlier login of the account
ends; the person then logs in with the new password."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.core.accounts import accounts
from doctorbook.core.base.errors import ValidationError
from doctorbook.tui.calls import CallFailed, CoreCalls
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

HINT = "Paste the code from the e-mail. It works once; every other login of the account ends."
#: A code inside whatever was pasted (the e-mail's whole command line, say).
CODE_RE = re.compile(
    rf"(?:{accounts.RESET_PREFIX}|{accounts.ACTIVATION_PREFIX})[A-Za-z0-9_-]+"
)
#: Said on the login form once the password is set.
SET_DONE = "Password set; log in with your new password."


def code_in(text: str) -> str:
    """The code in what was typed or pasted: `dbp_…`/`dbv_…` if it is in there, else it all."""
    match = CODE_RE.search(text)
    return match.group(0) if match else text.strip()


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class SetPasswordScreen(Screen[str | None], CoreCalls):
    """Code, new password twice; dismisses with the account's e-mail address once core set the
    password (the login form fills it in), or None on Escape. A refusal is shown in the form,
    which keeps what was typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(id="set-password-box", classes="form-box"):
            yield Static("Set a new password with the code from your e-mail",
                         classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Code", classes="form-label")
                yield FieldInput(placeholder="dbp_… or dbv_… from the e-mail", id="code")
                yield Label("Password", classes="form-label")
                yield FieldInput(password=True, placeholder="at least 10 characters",
                                 id="password")
                yield Label("Confirm", classes="form-label")
                yield FieldInput(password=True, placeholder="the same password again",
                                 last=True, id="confirm")
            with Horizontal(classes="form-buttons"):
                yield Button("Set password", variant="primary", id="set-password")
                yield Button("Back", id="set-password-back")
            yield Static(HINT, classes="form-hint", id="set-password-error")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "I have a code"
        self.query_one("#code", Input).focus()

    def _field(self, selector: str) -> Input:
        return self.query_one(selector, Input)

    def _show_error(self, message: str, selector: str) -> None:
        hint = self.query_one("#set-password-error", Static)
        hint.update(sentence(message) + ("" if message.endswith(".") else "."))
        hint.add_class("-error")
        self._field(selector).focus()

    @on(Input.Submitted, "#confirm")
    @on(Button.Pressed, "#set-password")
    def _submit(self) -> None:
        if self._busy:
            return
        code = code_in(self._field("#code").value)
        password, confirm = self._field("#password").value, self._field("#confirm").value
        if not code:
            self._show_error("Paste the code from the e-mail.", "#code")
            return
        if not password:
            self._show_error("Choose a new password.", "#password")
            return
        if password != confirm:
            self._field("#confirm").value = ""
            self._show_error("The two passwords do not match.", "#confirm")
            return
        self._field("#code").value = code
        self._busy = True
        self._set(code, password)

    class PasswordSet(Message):
        """The password is set; `email` is the account's address."""

        def __init__(self, email: str) -> None:
            super().__init__()
            self.email = email

    def _set(self, code: str, password: str) -> None:
        self.call(lambda done: self.PasswordSet(done.user.email),
                  accounts.set_password_with_token, as_="open", exclusive=False, token=code,
                  password=password)

    def on_set_password_screen_password_set(self, message: PasswordSet) -> None:
        self.dismiss(message.email)

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        """Core's refusal is shown next to what it is about, the form keeps what was typed;
        anything else (the database went away) goes on to the app, which says it."""
        self._busy = False
        refusal = message.refusal
        if refusal is None:
            return
        message.stop()
        # A ValidationError is about the password (core checks the code first); any other
        # refusal is about the code: unknown, used, replaced, expired.
        self._show_error(str(refusal), "#password" if isinstance(refusal, ValidationError)
                         else "#code")

    @on(Button.Pressed, "#set-password-back")
    def action_back(self) -> None:
        if not self._busy:
            self.dismiss(None)
