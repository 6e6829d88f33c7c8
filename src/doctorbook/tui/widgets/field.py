"""A form field where Enter moves on to the next field, and in the last field submits."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input

from doctorbook.tui.text import printable
from doctorbook.tui.widgets.plain import Label

#: What Textual's Input may be restricted to.
FieldType = Literal["integer", "number", "text"]


class FieldInput(Input):
    """Enter is a priority binding so it runs before the keys typed after it are delivered:
    fast typing (or keys sent by a script) never lands in the field that was just left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Next field", show=False, priority=True, id="next-field"),
    ]

    def __init__(
        self,
        *,
        id: str,
        placeholder: str = "",
        password: bool = False,
        last: bool = False,
        type: FieldType = "text",
        suggester: Suggester | None = None,
    ) -> None:
        super().__init__(
            placeholder=placeholder, password=password, id=id, type=type, suggester=suggester
        )
        self.last = last

    def validate_value(self, value: str) -> str:
        """Never a control character in the field, however it got there (the app already
        cleans pastes; this also covers a value set by code): drawn raw, an escape would
        reach the terminal."""
        return printable(value, replacement="")

    async def action_submit(self) -> None:
        if self.last:
            await super().action_submit()
        else:
            self.screen.focus_next()


def password_pair() -> list[Widget]:
    """Label and field for a new password and its confirmation (the last field of a form)."""
    return [
        Label("Password", classes="form-label"),
        FieldInput(password=True, placeholder="at least 10 characters", id="password"),
        Label("Confirm", classes="form-label"),
        FieldInput(password=True, placeholder="the same password again", last=True,
                   id="confirm"),
    ]


def confirmed_password(screen: Screen[Any]) -> str | None:
    """The new password if both fields agree; otherwise say so and return to the confirmation."""
    password = screen.query_one("#password", Input).value
    confirm = screen.query_one("#confirm", Input)
    if password != confirm.value:
        screen.notify("The two passwords do not match.", severity="error")
        confirm.value = ""
        confirm.focus()
        return None
    return password
