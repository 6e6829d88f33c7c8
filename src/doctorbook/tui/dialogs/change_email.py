"""Any logged-in user changes their e-mail address: a code goes to the new address, and the
address changes once that code is entered here ("I have the code" for one sent earlier)."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from doctorbook.core.accounts import accounts
from doctorbook.tui.calls import CallFailed, CoreCalls, refusable
from doctorbook.tui.dialogs.rule_form import sentence
from doctorbook.tui.messages import OwnEmailChanged
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: The calls, by what they do (a refusal goes back to the field it is about).
SEND = "send-code"
CONFIRM = "confirm-code"
HINT = "A code goes to the new address; your e-mail changes when you enter it here."
#: A code inside whatever was pasted (the e-mail's whole command line, say).
CODE_RE = re.compile(rf"{accounts.EMAIL_PREFIX}[A-Za-z0-9_-]+")


def email_code_in(text: str) -> str:
    """The code in what was typed or pasted: `dbe_…` if it is in there, else it all."""
    match = CODE_RE.search(text)
    return match.group(0) if match else text.strip()


def code_sent_text(new_email: str) -> str:
    return f"A code is on its way to {new_email}; your e-mail changes when you enter it."


def email_changed_text(new_email: str) -> str:
    return f"Your e-mail address is now {new_email}"


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class ChangeEmailDialog(ModalScreen[str | None], CoreCalls):
    """Core sends the code and confirms it from here (calls); the dialog dismisses with the
    new address once it is the account's. Refusals are shown in the dialog, which stays open.
    Escape: None (a code already sent still works, for 24 hours)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-change-email"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="change-email-box"):
            yield Static("Change your e-mail address", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("New e-mail", classes="form-label")
                yield FieldInput(placeholder="the address to use from now on", last=True,
                                 id="new-email")
                yield Label("Code", classes="form-label email-code-row")
                yield FieldInput(placeholder="dbe_… from the e-mail", last=True,
                                 id="email-code")
            yield Static(HINT, classes="form-hint", id="change-email-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Send code", variant="primary", id="send-email-code")
                yield Button("I have the code", id="have-email-code")
                yield Button("Confirm", variant="primary", id="confirm-email-code")
                yield Button("Cancel", id="change-email-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._show_code(False)
        self._field("#new-email").focus()

    def _field(self, selector: str) -> Input:
        return self.query_one(selector, Input)

    def _show_code(self, shown: bool) -> None:
        for widget in (self.query_one(".email-code-row"), self._field("#email-code"),
                       self.query_one("#confirm-email-code")):
            widget.display = shown
        self.query_one("#have-email-code").display = not shown

    def _say(self, message: str, *, error: bool = False) -> None:
        hint = self.query_one("#change-email-error", Static)
        hint.update(sentence(message) + ("" if message.endswith(".") else "."))
        hint.set_class(error, "-error")

    def _show_error(self, message: str, selector: str) -> None:
        self._say(message, error=True)
        self._field(selector).focus()

    # --- what core answers -----------------------------------------------------------------

    class CodeSent(Message):
        """A code is on its way to `new_email`."""

        def __init__(self, new_email: str) -> None:
            super().__init__()
            self.new_email = new_email

    class EmailChanged(Message):
        """The account's address is `new_email` from now on."""

        def __init__(self, new_email: str) -> None:
            super().__init__()
            self.new_email = new_email

    @on(CallFailed)
    def _refused(self, message: CallFailed) -> None:
        """Core's refusal is shown next to what it is about, the dialog stays open; anything
        else (the login ended, the database went away) goes on to the app, which says it."""
        self._busy = False
        refusal = message.refusal
        if refusal is None:
            return
        message.stop()
        self._show_error(str(refusal), "#email-code" if message.group == CONFIRM
                         else "#new-email")

    # --- the code goes to the new address --------------------------------------------------

    @on(Input.Submitted, "#new-email")
    @on(Button.Pressed, "#send-email-code")
    def _send(self) -> None:
        if self._busy:
            return
        new_email = self._field("#new-email").value.strip()
        if not new_email:
            self._show_error("Enter the new e-mail address.", "#new-email")
            return
        self._busy = True
        self._request(new_email)

    def _request(self, new_email: str) -> None:
        # refusable: a refusal is this form's; a login ended meanwhile stays the app's.
        self.call(lambda _: self.CodeSent(new_email), refusable(accounts.request_email_change),
                  group=SEND, exclusive=False, new_email=new_email)

    def on_change_email_dialog_code_sent(self, message: CodeSent) -> None:
        self._busy = False
        self._say(code_sent_text(message.new_email))
        self._show_code(True)
        self._field("#email-code").focus()

    @on(Button.Pressed, "#have-email-code")
    def _have_code(self) -> None:
        if self._busy:
            return
        self._say("Paste the code from the e-mail sent to the new address.")
        self._show_code(True)
        self._field("#email-code").focus()

    # --- the code from that e-mail -----------------------------------------------------------

    @on(Input.Submitted, "#email-code")
    @on(Button.Pressed, "#confirm-email-code")
    def _confirm(self) -> None:
        if self._busy:
            return
        code = email_code_in(self._field("#email-code").value)
        if not code:
            self._show_error("Paste the code from the e-mail.", "#email-code")
            return
        self._field("#email-code").value = code
        self._busy = True
        self._confirm_code(code)

    def _confirm_code(self, code: str) -> None:
        # Only while logged in; a login ended meanwhile is the app's.
        self.call(lambda view: self.EmailChanged(view.email),
                  refusable(accounts.confirm_email_change), group=CONFIRM, exclusive=False,
                  token=code)

    def on_change_email_dialog_email_changed(self, message: EmailChanged) -> None:
        self.app.post_message(OwnEmailChanged(message.new_email))
        self.dismiss(message.new_email)

    @on(Button.Pressed, "#change-email-cancel")
    def action_cancel(self) -> None:
        if not self._busy:  # once asked, the answer is awaited: it says what happened
            self.dismiss(None)
