"""Log in with e-mail and password; the way to registering for new patients."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from doctorbook.tui.messages import LoginSubmitted
from doctorbook.tui.screens.register import RegisterScreen
from doctorbook.tui.widgets.field import FieldInput


class LoginScreen(Screen[None]):
    """The first screen; Enter in the password field (or the button) logs in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "register", "Register", id="register"),
    ]

    def __init__(self, *, kiosk: bool = False, hint: str | None = None) -> None:
        super().__init__()
        self.kiosk = kiosk
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(id="login-box", classes="form-box"):
            yield Static(
                "Patient kiosk: log in to see your appointments" if self.kiosk
                else "Log in to doctorbook",
                classes="form-title",
            )
            with Grid(classes="form-grid"):
                yield Label("E-mail", classes="form-label")
                yield FieldInput(placeholder="you@example.com", id="email")
                yield Label("Password", classes="form-label")
                yield FieldInput(password=True, last=True, id="password")
            with Horizontal(classes="form-buttons"):
                yield Button("Log in", variant="primary", id="login")
                yield Button("Register", id="register")
            yield Static("New patient? Press F2 or choose Register.", classes="form-hint")
            if self.hint:
                yield Static(self.hint, id="login-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Log in"
        self.query_one("#email", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not email or not password:
            self.notify("Enter your e-mail and password.", severity="warning")
            self.query_one("#password" if email else "#email", Input).focus()
            return
        self.post_message(LoginSubmitted(email, password))

    @on(Button.Pressed, "#register")
    def action_register(self) -> None:
        self.app.push_screen(RegisterScreen())

    def clear_form(self) -> None:
        """Forget what was typed (the kiosk does this when left idle)."""
        for field in self.query(Input):
            field.value = ""
        self.query_one("#email", Input).focus()
