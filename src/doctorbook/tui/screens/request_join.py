"""Ask to join as a doctor: name, e-mail and a note for the admin who reviews it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.core.doctors import invites
from doctorbook.core.doctors.invites import RequestView
from doctorbook.tui.calls import CoreCalls
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static

#: The call that sends the request (a change: a second one must not silence the first's answer).
SEND = "send"


# CoreCalls after the screen class: Textual takes a screen's CSS from its first DOMNode base.
class RequestJoinScreen(Screen[None], CoreCalls):
    """Name, e-mail, optional message; Enter moves on, and in the last field submits. Sent,
    the screen thanks the person and goes back to the login form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to login", id="back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(id="join-box", classes="form-box"):
            yield Static("Ask to join as a doctor", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Full name", classes="form-label")
                yield FieldInput(placeholder="Dr Jana Novak", id="name")
                yield Label("E-mail", classes="form-label")
                yield FieldInput(placeholder="you@example.com", id="email")
                yield Label("Message", classes="form-label")
                yield FieldInput(
                    placeholder="optional: specialty, clinic, how to reach you", last=True,
                    id="message",
                )
            with Horizontal(classes="form-buttons"):
                yield Button("Send request", variant="primary", id="send")
                yield Button("Back", id="back")
            yield Static(
                "If an admin approves, an invitation arrives by e-mail.",
                classes="form-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Ask to join"
        self.query_one("#name", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    @on(Input.Submitted, "#message")
    @on(Button.Pressed, "#send")
    def _submit(self) -> None:
        # Nobody is logged in here: the request is made with no actor at all.
        self.call(self.Sent, invites.request_join, as_="open", group=SEND, exclusive=False,
                  name=self._value("name"), email=self._value("email"),
                  message=self._value("message"))

    class Sent(Message):
        """The request to join was stored for an admin to review."""

        def __init__(self, request: RequestView) -> None:
            super().__init__()
            self.request = request

    def on_request_join_screen_sent(self, message: Sent) -> None:
        request = message.request
        self.notify(
            f"Thank you, {request.name}. An admin will review your request and write to "
            f"{request.email}.",
            markup=False,
        )
        if self.is_current:  # not from under the help screen, say
            self.dismiss()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss()
