"""Log in with e-mail and password; the ways to register, to set a forgotten (or a first)
password, to accept an invite or to ask to join."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.tui.messages import LoginSubmitted
from doctorbook.tui.widgets.field import FieldInput
from doctorbook.tui.widgets.plain import Label, Static


class LoginScreen(Screen[None]):
    """The first screen; Enter in the password field (or the button) logs in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "register", "Register", id="register"),
        Binding("f3", "accept_invite", "Accept invite", id="accept-invite"),
        Binding("f4", "request_join", "Ask to join", id="request-join"),
        # Off the key bar (full at 80 columns): the form's button and hint say it, F1 lists it.
        Binding("f6", "forgot_password", "Forgot password", show=False, id="forgot-password"),
    ]

    #: Doctors' and staff's ways in, which the patient kiosk does not offer.
    DOCTOR_ACTIONS = frozenset({"accept_invite", "request_join"})

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
                yield Button("Forgot password?", id="forgot")
            yield Static("New patient? Press F2 to register. Forgot your password? F6.",
                         classes="form-hint")
            if not self.kiosk:
                yield Static(
                    "Invited by e-mail? Press F3 to accept. Doctors: F4 to ask to join.",
                    id="doctor-hint",
                )
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
        # The other forms are imported when asked for: some reach core (and the database
        # stack), which the login form's first paint must not wait for (issue 13).
        from doctorbook.tui.screens.register import RegisterScreen

        self.app.push_screen(RegisterScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.kiosk and action in self.DOCTOR_ACTIONS)

    def action_accept_invite(self) -> None:
        from doctorbook.tui.screens.accept_invite import AcceptInviteScreen

        self.app.push_screen(AcceptInviteScreen())

    def action_request_join(self) -> None:
        from doctorbook.tui.screens.request_join import RequestJoinScreen

        self.app.push_screen(RequestJoinScreen())

    @on(Button.Pressed, "#forgot")
    def action_forgot_password(self) -> None:
        from doctorbook.tui.screens.forgot_password import ForgotPasswordScreen
        from doctorbook.tui.screens.set_password import SET_DONE

        def done(email: str | None) -> None:
            if email is not None:
                self.prefill(email)
                self.notify(SET_DONE, markup=False, timeout=10)

        typed = self.query_one("#email", Input).value.strip()
        self.app.push_screen(ForgotPasswordScreen(typed), done)

    def prefill(self, email: str) -> None:
        """The form with `email` in, ready for the password."""
        self.query_one("#email", Input).value = email
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    async def show_hint(self, text: str) -> None:
        """Add `text` under the form, once (the first-run hint, known only once the database
        is open)."""
        if not self.query("#first-run-hint"):
            await self.query_one("#login-box").mount(
                Static(text, id="first-run-hint", classes="form-hint"))

    def clear_form(self) -> None:
        """Forget what was typed (the kiosk does this when left idle)."""
        for field in self.query(Input):
            field.value = ""
        self.query_one("#email", Input).focus()
