"""Ask to join as a doctor: name, e-mail and a note for the admin who reviews it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.tui.messages import JoinRequestSubmitted
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static


class RequestJoinScreen(Screen[None]):
    """Name, e-mail, optional message; Enter moves on, and in the last field submits."""

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
        self.post_message(
            JoinRequestSubmitted(self._value("name"), self._value("email"), self._value("message"))
        )

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss()
