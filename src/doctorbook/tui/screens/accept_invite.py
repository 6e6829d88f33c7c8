"""Someone invited by e-mail (a doctor, a receptionist or an admin) accepts: token and a new
password; then they are logged in, to the home of the role the invitation gave them."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from doctorbook.tui.messages import InviteAcceptanceSubmitted
from doctorbook.tui.widgets.field import FieldInput, confirmed_password, password_pair
from doctorbook.tui.widgets.plain import Label, Static


class AcceptInviteScreen(Screen[None]):
    """Token, password twice; Enter moves on, and in the last field submits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to login", id="back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="+")
        with Vertical(id="accept-box", classes="form-box"):
            yield Static("Accept your invitation", classes="form-title")
            with Grid(classes="form-grid"):
                yield Label("Token", classes="form-label")
                yield FieldInput(placeholder="dbi_… from the invitation e-mail", id="token")
                yield from password_pair()
            with Horizontal(classes="form-buttons"):
                yield Button("Accept invite", variant="primary", id="accept")
                yield Button("Back", id="back")
            yield Static(
                "E-mail, name and role come from the invitation; it works once.",
                classes="form-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Accept invite"
        self.query_one("#token", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    @on(Input.Submitted, "#confirm")
    @on(Button.Pressed, "#accept")
    def _submit(self) -> None:
        token = self._value("token").strip()
        if not token:
            self.notify("Paste the token from your invitation e-mail.", severity="warning")
            self.query_one("#token", Input).focus()
            return
        password = confirmed_password(self)
        if password is not None:
            self.post_message(InviteAcceptanceSubmitted(token, password))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss()
