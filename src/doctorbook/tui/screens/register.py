"""A patient creates an account; on success they are logged in and see their home."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.tui.messages import RegistrationSubmitted
from doctorbook.tui.widgets.field import FieldInput, confirmed_password, password_pair
from doctorbook.tui.widgets.plain import Label, Static

FIELDS = ("name", "email", "password", "confirm")


class RegisterScreen(Screen[None]):
    """Name, e-mail, password twice; Enter moves on, and in the last field submits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to login", id="back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(id="register-box", classes="form-box"):
            yield Static("Create your patient account", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Full name", classes="form-label")
                yield FieldInput(placeholder="Ana García", id="name")
                yield Label("E-mail", classes="form-label")
                yield FieldInput(placeholder="you@example.com", id="email")
                yield from password_pair()
            with Horizontal(classes="form-buttons"):
                yield Button("Create account", variant="primary", id="create")
                yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Register"
        self.query_one("#name", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    @on(Input.Submitted, "#confirm")
    @on(Button.Pressed, "#create")
    def _submit(self) -> None:
        password = confirmed_password(self)
        if password is not None:
            name, email = (self._value(f) for f in FIELDS[:2])
            self.post_message(RegistrationSubmitted(name, email, password))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss()
